package dev.distill.common.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningTest {

    private static final byte[] MANIFEST =
            "{\"model\":\"student\",\"version\":7,\"sha256\":\"ab\"}".getBytes(StandardCharsets.UTF_8);

    private final KeyPair keys = Ed25519Keys.generate();
    private final ManifestSigner signer = new ManifestSigner(keys);
    private final ManifestVerifier verifier = new ManifestVerifier(keys.getPublic());

    @TempDir
    Path dir;

    @Test
    void signatureOfTheSameBytesVerifies() {
        String signature = signer.sign(MANIFEST);

        assertThat(Base64.getDecoder().decode(signature)).hasSize(64);
        assertThat(verifier.verify(MANIFEST, signature)).isTrue();
        assertThat(signer.verifier().verify(MANIFEST, signature)).isTrue();
    }

    @Test
    void anyFlippedByteFailsVerification() {
        String signature = signer.sign(MANIFEST);

        for (int i = 0; i < MANIFEST.length; i++) {
            byte[] tampered = MANIFEST.clone();
            tampered[i] ^= 0x01;
            assertThat(verifier.verify(tampered, signature)).as("byte %d flipped", i).isFalse();
        }
        byte[] sig = Base64.getDecoder().decode(signature);
        sig[10] ^= 0x40;
        assertThat(verifier.verify(MANIFEST, Base64.getEncoder().encodeToString(sig))).isFalse();
    }

    @Test
    void signatureByAnotherKeyFails() {
        ManifestSigner other = new ManifestSigner(Ed25519Keys.generate());

        assertThat(verifier.verify(MANIFEST, other.sign(MANIFEST))).isFalse();
        assertThat(other.keyId()).isNotEqualTo(signer.keyId());
    }

    @Test
    void malformedSignaturesAreTypedErrors() {
        assertThatThrownBy(() -> verifier.verify(MANIFEST, "not base64 !!"))
                .isInstanceOf(MalformedSignatureException.class)
                .hasMessageContaining("not base64");
        assertThatThrownBy(() -> verifier.verify(MANIFEST, Base64.getEncoder().encodeToString(new byte[63])))
                .isInstanceOf(MalformedSignatureException.class)
                .hasMessageContaining("63 bytes, an Ed25519 signature is 64");
        assertThatThrownBy(() -> verifier.verify(MANIFEST, null))
                .isInstanceOf(MalformedSignatureException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void mismatchedKeyPairIsRejected() {
        KeyPair mixed = new KeyPair(Ed25519Keys.generate().getPublic(), keys.getPrivate());

        assertThatThrownBy(() -> new ManifestSigner(mixed))
                .isInstanceOf(KeyFormatException.class)
                .hasMessageContaining("does not belong");
    }

    @Test
    void keyFilesRoundTripAndPrivateKeyIsOwnerOnly() throws Exception {
        Path privateFile = dir.resolve("signing.key");
        Path publicFile = dir.resolve("signing.pub");

        Ed25519Keys.writePrivateKey(keys.getPrivate(), privateFile);
        Ed25519Keys.writePublicKey(keys.getPublic(), publicFile);
        ManifestSigner reloaded = ManifestSigner.fromFiles(privateFile, publicFile);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile))).isEqualTo("rw-------");
        assertThat(Files.readString(privateFile)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(publicFile)).startsWith("-----BEGIN PUBLIC KEY-----\n");
        assertThat(Ed25519Keys.readPrivateKey(privateFile).getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
        assertThat(reloaded.keyId()).isEqualTo(signer.keyId());
        assertThat(verifier.verify(MANIFEST, reloaded.sign(MANIFEST))).isTrue();
        assertThat(ManifestVerifier.fromFile(publicFile).verify(MANIFEST, signer.sign(MANIFEST))).isTrue();
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers).hasSize(2);
        }
    }

    @Test
    void readsBareBase64KeysAndRejectsGarbage() throws Exception {
        Path publicFile = dir.resolve("bare.pub");
        Files.writeString(publicFile, Ed25519Keys.publicKeyToBase64(keys.getPublic()) + "\n");
        Path garbage = dir.resolve("garbage.pub");
        Files.writeString(garbage, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");

        assertThat(Ed25519Keys.readPublicKey(publicFile)).isEqualTo(keys.getPublic());
        assertThat(Ed25519Keys.publicKeyFromBase64(Ed25519Keys.publicKeyToBase64(keys.getPublic())))
                .isEqualTo(keys.getPublic());
        assertThatThrownBy(() -> Ed25519Keys.readPublicKey(garbage))
                .isInstanceOf(KeyFormatException.class)
                .hasMessageContaining(garbage.toString())
                .hasMessageContaining("not an Ed25519 X.509 public key");
        assertThatThrownBy(() -> Ed25519Keys.readPrivateKey(publicFile))
                .isInstanceOf(KeyFormatException.class)
                .hasMessageContaining("not an Ed25519 PKCS#8 private key");
    }

    @Test
    void keyIdIsAShortStableFingerprint() {
        String id = Ed25519Keys.keyId(keys.getPublic());

        assertThat(id).hasSize(16).matches("[0-9a-f]{16}");
        assertThat(Sha256.hex(keys.getPublic().getEncoded())).startsWith(id);
        assertThat(Ed25519Keys.keyId(Ed25519Keys.publicKeyFromBase64(Ed25519Keys.publicKeyToBase64(keys.getPublic()))))
                .isEqualTo(id);
    }

    @Test
    void toStringNeverShowsKeyMaterial() {
        String encodedPrivate = Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
        String encodedPublic = Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());

        for (String s : new String[] {signer.toString(), verifier.toString()}) {
            assertThat(s).contains(signer.keyId()).doesNotContain(encodedPrivate).doesNotContain(encodedPublic);
        }
    }

    @Test
    void sha256MatchesKnownVectorForBytesAndStreams() throws Exception {
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

        assertThat(Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(abc);
        assertThat(Sha256.hex(new ByteArrayInputStream("abc".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(abc);
        byte[] big = new byte[200_000];
        big[123_456] = 7;
        assertThat(Sha256.hex(new ByteArrayInputStream(big))).isEqualTo(Sha256.hex(big));
    }
}
