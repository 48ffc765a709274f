package dev.distill.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointManifestTest {

    static final String SHA = "a".repeat(64);

    static CheckpointManifest manifest(Map<String, Double> metrics) {
        return new CheckpointManifest("student-mlp", 7, "mlp-784-128-10", 1_700_000_000_000L, metrics, SHA, 1234, 1,
                100, "key-1", null);
    }

    @Test
    void canonicalBytesAreIndependentOfMetricInsertionOrder() {
        Map<String, Double> ab = new LinkedHashMap<>();
        ab.put("accuracy", 0.9);
        ab.put("agreement", 0.95);
        Map<String, Double> ba = new LinkedHashMap<>();
        ba.put("agreement", 0.95);
        ba.put("accuracy", 0.9);

        assertThat(manifest(ab).canonicalBytes()).isEqualTo(manifest(ba).canonicalBytes());
    }

    @Test
    void canonicalBytesLeaveOutTheSignatureButCoverEverythingElse() {
        CheckpointManifest unsigned = manifest(Map.of("accuracy", 0.5));
        CheckpointManifest signed = unsigned.withSignature("c2ln");

        assertThat(signed.canonicalBytes()).isEqualTo(unsigned.canonicalBytes());
        assertThat(signed.isSigned()).isTrue();
        String text = new String(unsigned.canonicalBytes(), StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("distill-manifest-v1\n{\"modelName\":\"student-mlp\",\"version\":7,"
                + "\"architecture\":\"mlp-784-128-10\",\"createdAt\":1700000000000,\"metrics\":{\"accuracy\":\"0x1.0p-1\"},"
                + "\"sha256\":\"" + SHA + "\",\"sizeBytes\":1234,\"chunkCount\":1,\"rolloutPercent\":100,\"keyId\":\"key-1\"}");
        assertThat(manifest(Map.of("accuracy", 0.5000001)).canonicalBytes()).isNotEqualTo(unsigned.canonicalBytes());
    }

    @Test
    void rejectsBadHashAndRolloutPercent() {
        assertThatThrownBy(() -> new CheckpointManifest("m", 1, "a", 0, Map.of(), "XYZ", 1, 1, 100, null, null))
                .hasMessageContaining("sha256");
        assertThatThrownBy(() -> new CheckpointManifest("m", 1, "a", 0, Map.of(), SHA, 1, 1, 101, null, null))
                .hasMessageContaining("rolloutPercent");
        assertThatThrownBy(() -> new CheckpointManifest("m", 1, "a", 0, Map.of(), SHA, 1, 1, 50, null, "sig"))
                .hasMessageContaining("no keyId");
    }
}
