package dev.distill.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.event.Event;
import dev.distill.common.event.TeacherLogits;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DistillSerdesTest {

    private final Event event = new Event("e-1", 1L, new int[] {2}, new float[] {1f, 2f});

    @Test
    void serializerAnnouncesItsEncodingInTheHeader() {
        RecordSerde<Event> serde = DistillSerdes.events(Encoding.BINARY, RecordLimits.unchecked());
        Headers headers = new RecordHeaders();
        headers.add(Encoding.HEADER, "json".getBytes(StandardCharsets.UTF_8));

        byte[] bytes = serde.serializer().serialize("distill.events", headers, event);

        assertThat(headers.headers(Encoding.HEADER)).hasSize(1);
        assertThat(new String(headers.lastHeader(Encoding.HEADER).value(), StandardCharsets.UTF_8)).isEqualTo("binary");
        assertThat(serde.deserializer().deserialize("distill.events", headers, bytes)).isEqualTo(event);
    }

    @Test
    void headerlessPathsRecogniseTheFrameByItsMagic() {
        RecordSerde<TeacherLogits> binary = DistillSerdes.teacherLogits(Encoding.BINARY, RecordLimits.unchecked());
        TeacherLogits logits = TeacherLogits.dense("t", "1", 3L, new float[] {0.5f});

        byte[] bytes = binary.serializer().serialize("store-changelog", logits);

        assertThat(DistillSerdes.teacherLogits().deserializer().deserialize("store-changelog", bytes)).isEqualTo(logits);
    }

    @Test
    void keepsTombstonesNull() {
        RecordSerde<Event> serde = DistillSerdes.events();

        assertThat(serde.serializer().serialize("t", new RecordHeaders(), null)).isNull();
        assertThat(serde.deserializer().deserialize("t", new RecordHeaders(), (byte[]) null)).isNull();
    }

    @Test
    void refusesBinaryForJsonOnlyRecords() {
        assertThatThrownBy(() -> new RecordSerde<>(new LabelCodec(), Encoding.BINARY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label");
    }
}
