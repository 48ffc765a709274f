package dev.distill.common.serde;

import static dev.distill.common.serde.EventCodecTest.expect;
import static dev.distill.common.serde.TestHeaders.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.event.Label;
import dev.distill.common.serde.MalformedRecordException.Reason;
import org.junit.jupiter.api.Test;

class LabelCodecTest {

    private final LabelCodec codec = new LabelCodec(RecordLimits.unchecked().withNumClasses(10));

    @Test
    void roundTripsJson() {
        Label label = new Label(3, 1_700_000_005_000L);
        byte[] json = codec.encode(label, Encoding.JSON);

        assertThat(new String(json)).isEqualTo("{\"label\":3,\"timestamp\":1700000005000}");
        assertThat(codec.decode(json, null)).isEqualTo(label);
    }

    @Test
    void rejectsLabelsOutsideTheClassRange() {
        expect(() -> codec.decode(utf8("{\"label\":10,\"timestamp\":1}"), null), Reason.LABEL_OUT_OF_RANGE,
                "label 10 is outside [0, 10)");
        expect(() -> codec.decode(utf8("{\"label\":-1,\"timestamp\":1}"), null), Reason.LABEL_OUT_OF_RANGE,
                "label -1");
        expect(() -> new LabelCodec().decode(utf8("{\"label\":4294967296,\"timestamp\":1}"), null),
                Reason.LABEL_OUT_OF_RANGE, "4294967296");
    }

    @Test
    void rejectsNonIntegerLabel() {
        expect(() -> codec.decode(utf8("{\"label\":2.5,\"timestamp\":1}"), null), Reason.WRONG_TYPE,
                "\"label\" must be an integer");
        expect(() -> codec.decode(utf8("{\"timestamp\":1}"), null), Reason.MISSING_FIELD, "\"label\"");
    }

    @Test
    void hasNoBinaryEncoding() {
        expect(() -> codec.decode(utf8("{\"label\":1,\"timestamp\":1}"), TestHeaders.binary()),
                Reason.UNKNOWN_ENCODING, "JSON only");
        assertThatThrownBy(() -> codec.encode(new Label(1, 1), Encoding.BINARY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
