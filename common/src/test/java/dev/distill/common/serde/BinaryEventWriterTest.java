package dev.distill.common.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.event.Event;
import org.junit.jupiter.api.Test;

class BinaryEventWriterTest {

    private final EventCodec codec = new EventCodec();

    @Test
    void writesExactlyTheFrameTheCodecEncodes() {
        // Given events whose ids need every amount of padding
        BinaryEventWriter writer = BinaryEventWriter.of(2, 2);
        for (String id : new String[] {"e", "e-", "e-1", "e-12", "é-1"}) {
            Event e = new Event(id, 1_700_000_000_000L, new int[] {2, 2}, new float[] {0f, 0.5f, 1f, -2f});

            // When the writer writes it, Then the bytes are the codec's
            assertThat(writer.write(id, e.timestamp(), e.features())).isEqualTo(codec.encode(e, Encoding.BINARY));
        }
    }

    @Test
    void aReusingWriterRewritesOneArrayPerIdLengthAndStillDecodes() {
        // Given a reusing writer that wrote a long id's frame and then one with a shorter id of the same length
        BinaryEventWriter writer = BinaryEventWriter.of(4).reusing();
        byte[] first = writer.write("id-10", 1L, new float[] {1f, 2f, 3f, 4f});
        byte[] other = writer.write("id-1", 2L, new float[] {9f, 9f, 9f, 9f});
        byte[] second = writer.write("id-11", 3L, new float[] {5f, 6f, 7f, 8f});

        // Then the same-length frame came back in the same array, and every frame decodes to what was last written
        assertThat(second).isSameAs(first);
        assertThat(other).isNotSameAs(first);
        assertThat(codec.decode(second, TestHeaders.binary()))
                .isEqualTo(new Event("id-11", 3L, new int[] {4}, new float[] {5f, 6f, 7f, 8f}));
        assertThat(codec.decode(other, TestHeaders.binary()))
                .isEqualTo(new Event("id-1", 2L, new int[] {4}, new float[] {9f, 9f, 9f, 9f}));
    }
}
