package dev.distill.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.common.serde.Encoding;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.signing.ManifestVerifier;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointManifestInt8Test {

    private static final String SHA = "a".repeat(64);
    private static final String INT8_SHA = "b".repeat(64);

    private static CheckpointManifest plain() {
        return new CheckpointManifest("student-mlp", 7, "mlp:784-128-10", 1_700_000_000_000L, Map.of("accuracy", 0.5),
                SHA, 1234, 1, 100, "key-1", null);
    }

    @Test
    void manifestWithoutInt8KeepsItsCanonicalBytesAndJson() {
        // Given a manifest built without the int8 fields
        CheckpointManifest m = plain();

        // Then its canonical bytes and JSON name no int8 field, as before the field existed
        String canonical = new String(m.canonicalBytes(), StandardCharsets.UTF_8);
        assertThat(m.hasInt8()).isFalse();
        assertThat(canonical).endsWith("\"rolloutPercent\":100,\"keyId\":\"key-1\"}").doesNotContain("int8");
        assertThat(new String(new CheckpointManifestCodec().encode(m, Encoding.JSON), StandardCharsets.UTF_8))
                .doesNotContain("int8");
    }

    @Test
    void int8FieldsAreSignedAndSurviveTheJsonRoundTrip() {
        // Given a manifest vouching for an int8 variant, signed
        ManifestSigner signer = new ManifestSigner(Ed25519Keys.generate());
        CheckpointManifest unsigned = plain().withKeyId(signer.keyId()).withInt8(INT8_SHA, 103_000);
        CheckpointManifest signed = unsigned.withSignature(signer.sign(unsigned.canonicalBytes()));
        CheckpointManifestCodec codec = new CheckpointManifestCodec();

        // When it is encoded and decoded
        CheckpointManifest decoded = codec.decode(codec.encode(signed, Encoding.JSON), null);

        // Then the int8 fields come back, are in the canonical bytes, and changing one breaks the signature
        assertThat(decoded).isEqualTo(signed);
        assertThat(new String(decoded.canonicalBytes(), StandardCharsets.UTF_8))
                .endsWith(",\"int8Sha256\":\"" + INT8_SHA + "\",\"int8SizeBytes\":103000}");
        ManifestVerifier verifier = new ManifestVerifier(signer.publicKey());
        assertThat(verifier.verify(decoded.canonicalBytes(), decoded.signature())).isTrue();
        CheckpointManifest forged = decoded.withInt8(SHA, 103_000).withSignature(decoded.signature());
        assertThat(verifier.verify(forged.canonicalBytes(), forged.signature())).isFalse();
    }

    @Test
    void rejectsInt8HashWithoutSizeAndMalformedInt8Hash() {
        assertThatThrownBy(() -> new CheckpointManifest("m", 1, "a", 0, Map.of(), SHA, 1, 1, 100, null, null,
                INT8_SHA, null)).hasMessageContaining("int8Sha256 and int8SizeBytes");
        assertThatThrownBy(() -> plain().withInt8("XYZ", 10)).hasMessageContaining("int8Sha256 must be 64");
        assertThatThrownBy(() -> plain().withInt8(INT8_SHA, -1)).hasMessageContaining("int8SizeBytes");
    }
}
