package dev.distill.common.serde;

import static dev.distill.common.serde.EventCodecTest.expect;
import static dev.distill.common.serde.TestHeaders.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.event.EdgeStatus;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestAndStatusCodecTest {

    private final CheckpointManifestCodec manifests = new CheckpointManifestCodec();
    private final EdgeStatusCodec statuses = new EdgeStatusCodec();

    @Test
    void roundTripsSignedAndUnsignedManifests() {
        CheckpointManifest unsigned = new CheckpointManifest("student-mlp", 12, "mlp-784-128-10", 1_700_000_000_000L,
                Map.of("accuracy", 0.8731, "agreement", 0.91), "0".repeat(64), 409_600, 2, 25, "key-1", null);
        CheckpointManifest signed = unsigned.withSignature("AAAA");

        for (CheckpointManifest m : new CheckpointManifest[] {unsigned, signed}) {
            CheckpointManifest back = manifests.decode(manifests.encode(m, Encoding.JSON), null);

            assertThat(back).isEqualTo(m);
            assertThat(back.canonicalBytes()).isEqualTo(m.canonicalBytes());
        }
    }

    @Test
    void namesTheMissingManifestField() {
        expect(() -> manifests.decode(utf8("{\"modelName\":\"m\",\"version\":1}"), null), Reason.MISSING_FIELD,
                "checkpoint manifest of m", "\"architecture\"");
    }

    @Test
    void roundTripsEdgeStatus() {
        EdgeStatus status = new EdgeStatus("edge-007", "student-mlp", 12, EdgeStatus.Status.ROLLED_BACK,
                1_700_000_000_900L, Map.of("probe.accuracy", 0.5), "hash mismatch on v13");

        assertThat(statuses.decode(statuses.encode(status, Encoding.JSON), null)).isEqualTo(status);
    }

    @Test
    void rejectsUnknownStatus() {
        expect(() -> statuses.decode(utf8("{\"deviceId\":\"d\",\"modelName\":\"m\",\"modelVersion\":1,"
                + "\"status\":\"SLEEPING\",\"reportedAt\":1}"), null), Reason.BAD_VALUE, "\"SLEEPING\"", "SERVING");
    }

    @Test
    void defaultsOptionalStatusFields() {
        EdgeStatus s = statuses.decode(utf8("{\"deviceId\":\"d\",\"modelName\":\"m\",\"modelVersion\":0,"
                + "\"status\":\"serving\",\"reportedAt\":1}"), null);

        assertThat(s.probeMetrics()).isEmpty();
        assertThat(s.message()).isEmpty();
        assertThat(s.status()).isEqualTo(EdgeStatus.Status.SERVING);
    }
}
