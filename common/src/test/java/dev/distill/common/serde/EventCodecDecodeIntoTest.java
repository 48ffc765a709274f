package dev.distill.common.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.event.Event;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

/** {@link EventCodec#decodeInto} agrees with {@link EventCodec#decode} on every input, and throws nothing else. */
class EventCodecDecodeIntoTest {

    private static final Event SAMPLE = new Event("e-7", 1_700_000_000_000L, new int[] {2, 2},
            new float[] {0f, 0.5f, 1f, -2f});

    private final EventCodec codec = new EventCodec(RecordLimits.of(10, 2, 2));

    @Test
    void writesTheFeaturesOfABinaryFrameAtTheOffsetAndLeavesTheRestAlone() {
        // Given a binary frame and a batch array already holding another sample
        byte[] frame = codec.encode(SAMPLE, Encoding.BINARY);
        float[] batch = {9f, 9f, 9f, 9f, 0f, 0f, 0f, 0f, 9f};

        // When it is decoded into the second slot
        EventCodec.Head head = codec.decodeInto(frame, TestHeaders.binary(), batch, 4, 4);

        // Then only that slot holds its features, and id and timestamp come back
        assertThat(head).isEqualTo(new EventCodec.Head("e-7", 1_700_000_000_000L));
        assertThat(batch).containsExactly(9f, 9f, 9f, 9f, 0f, 0.5f, 1f, -2f, 9f);
    }

    @Test
    void decodesAFrameFromAViewIntoADirectBufferWithoutMovingEither() {
        // Given a frame inside a larger array, as Kafka's consumer hands a value over (a view into the fetched bytes)
        byte[] frame = codec.encode(SAMPLE, Encoding.BINARY);
        byte[] fetched = new byte[frame.length + 11];
        System.arraycopy(frame, 0, fetched, 7, frame.length);
        ByteBuffer value = ByteBuffer.wrap(fetched, 7, frame.length).slice();
        value.position(0);
        FloatBuffer batch = ByteBuffer.allocateDirect(9 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();

        // When it is decoded into the second slot
        EventCodec.Head head = codec.decodeInto(value, TestHeaders.binary(), batch, 4, 4);

        // Then the slot holds the features and neither buffer moved
        assertThat(head).isEqualTo(new EventCodec.Head("e-7", 1_700_000_000_000L));
        float[] out = new float[9];
        batch.get(0, out);
        assertThat(out).containsExactly(0f, 0f, 0f, 0f, 0f, 0.5f, 1f, -2f, 0f);
        assertThat(value.position()).isZero();
        assertThat(batch.position()).isZero();
    }

    @Test
    void decodesJsonIntoTheArrayToo() {
        float[] batch = new float[4];
        EventCodec.Head head = codec.decodeInto(codec.encode(SAMPLE, Encoding.JSON), TestHeaders.json(), batch, 0, 4);
        assertThat(head.id()).isEqualTo("e-7");
        assertThat(batch).containsExactly(0f, 0.5f, 1f, -2f);
    }

    @Test
    void rejectsAFrameWithAnotherFeatureCountWithTypedError() {
        EventCodec unchecked = new EventCodec();
        byte[] frame = unchecked.encode(SAMPLE, Encoding.BINARY);
        assertThatThrownBy(() -> unchecked.decodeInto(frame, TestHeaders.binary(), new float[8], 0, 8))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("expected 8 features, got 4");
    }

    @Test
    void rejectsNaNFeaturesWithTypedError() {
        byte[] frame = codec.encode(SAMPLE, Encoding.BINARY);
        // the last feature is the frame's last four bytes: make it a NaN
        Arrays.fill(frame, frame.length - 4, frame.length, (byte) 0xFF);
        assertThatThrownBy(() -> codec.decodeInto(frame, TestHeaders.binary(), new float[4], 0, 4))
                .isInstanceOf(MalformedRecordException.class)
                .satisfies(e -> assertThat(((MalformedRecordException) e).reason())
                        .isEqualTo(MalformedRecordException.Reason.NON_FINITE));
    }

    @Property(tries = 3000)
    void agreesWithDecodeOnDamagedEncodings(@ForAll("damaged") byte[] bytes) {
        for (Headers headers : new Headers[] {null, TestHeaders.json(), TestHeaders.binary(),
            TestHeaders.with(Encoding.HEADER, "bogus")}) {
            Event expected = null;
            MalformedRecordException expectedError = null;
            try {
                expected = codec.decode(bytes, headers);
            } catch (MalformedRecordException e) {
                expectedError = e;
            }
            float[] into = new float[6];
            try {
                EventCodec.Head head = codec.decodeInto(bytes, headers, into, 1, 4);
                assertThat(expectedError).as("decode threw %s", expectedError).isNull();
                assertThat(head.id()).isEqualTo(expected.id());
                assertThat(head.timestamp()).isEqualTo(expected.timestamp());
                assertThat(Arrays.copyOfRange(into, 1, 5)).isEqualTo(expected.features());
            } catch (MalformedRecordException e) {
                assertThat(expected).as("decodeInto threw %s", e).isNull();
                assertThat(e.getMessage()).isNotBlank();
            }
            // the same from a view with an offset into a larger array, into a direct buffer
            FloatBuffer direct = ByteBuffer.allocateDirect(6 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            try {
                EventCodec.Head head = codec.decodeInto(view(bytes), headers, direct, 1, 4);
                assertThat(expectedError).as("decode threw %s", expectedError).isNull();
                assertThat(head).isEqualTo(new EventCodec.Head(expected.id(), expected.timestamp()));
                float[] got = new float[4];
                direct.get(1, got);
                assertThat(got).isEqualTo(expected.features());
            } catch (MalformedRecordException e) {
                assertThat(expected).as("decodeInto(ByteBuffer) threw %s", e).isNull();
                assertThat(e.getMessage()).isNotBlank();
            }
        }
    }

    private static ByteBuffer view(byte[] bytes) {
        byte[] around = new byte[bytes.length + 5];
        System.arraycopy(bytes, 0, around, 3, bytes.length);
        return ByteBuffer.wrap(around, 3, bytes.length).slice();
    }

    @Provide
    Arbitrary<byte[]> damaged() {
        List<byte[]> seeds = List.of(codec.encode(SAMPLE, Encoding.BINARY), codec.encode(SAMPLE, Encoding.JSON),
                new EventCodec().encode(new Event("x", 5L, new int[] {4}, new float[] {1f, 2f, 3f, 4f}), Encoding.BINARY));
        Arbitrary<byte[]> seed = Arbitraries.of(seeds);
        Arbitrary<byte[]> flipped = Combinators.combine(seed, Arbitraries.integers().between(0, 200),
                Arbitraries.bytes()).as((s, at, b) -> {
                    byte[] copy = s.clone();
                    copy[at % copy.length] = b;
                    return copy;
                });
        Arbitrary<byte[]> truncated = Combinators.combine(seed, Arbitraries.integers().between(0, 200))
                .as((s, n) -> Arrays.copyOf(s, Math.min(n, s.length)));
        return Arbitraries.oneOf(seed, flipped, truncated);
    }
}
