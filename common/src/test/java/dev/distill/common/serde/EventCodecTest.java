package dev.distill.common.serde;

import static dev.distill.common.serde.TestHeaders.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.event.Event;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final EventCodec codec = new EventCodec();
    private final Event event = new Event("e-1", 1_700_000_000_000L, new int[] {2, 2}, new float[] {0f, 0.5f, 1f, 0.1f});

    @Test
    void roundTripsJson() {
        byte[] json = codec.encode(event, Encoding.JSON);

        assertThat(new String(json)).isEqualTo(
                "{\"id\":\"e-1\",\"timestamp\":1700000000000,\"shape\":[2,2],\"features\":[0.0,0.5,1.0,0.1]}");
        assertThat(codec.decode(json, TestHeaders.none())).isEqualTo(event);
        assertThat(codec.decode(json, TestHeaders.json())).isEqualTo(event);
        assertThat(codec.decodeWithoutHeaders(json)).isEqualTo(event);
    }

    @Test
    void roundTripsBinaryWithAlignedLittleEndianFloats() {
        byte[] frame = codec.encode(event, Encoding.BINARY);

        // preamble 4 + timestamp 8 + id length 2 + rank 1 + reserved 1 + shape 8 + id 3 = 27, padded to 28
        assertThat(frame).hasSize(28 + 16);
        assertThat(Arrays.copyOf(frame, 4)).containsExactly(0xD1, 0x57, 1, 'E');
        ByteBuffer le = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(le.getLong(4)).isEqualTo(1_700_000_000_000L);
        assertThat(le.getFloat(28 + 4)).isEqualTo(0.5f);
        assertThat(codec.decode(frame, TestHeaders.binary())).isEqualTo(event);
        assertThat(codec.decodeWithoutHeaders(frame)).isEqualTo(event);
    }

    @Test
    void readsIntegersAndUnknownFieldsInJson() {
        Event decoded = codec.decode(utf8("{\"source\":{\"camera\":3},\"id\":\"e-2\",\"timestamp\":5,"
                + "\"shape\":[3],\"features\":[1,2,-3e-1]}"), null);

        assertThat(decoded.features()).containsExactly(1f, 2f, -0.3f);
    }

    @Test
    void rejectsBinaryFrameWithoutEncodingHeaderAsMislabelled() {
        byte[] frame = codec.encode(event, Encoding.BINARY);

        expect(() -> codec.decode(frame, TestHeaders.none()), Reason.UNKNOWN_ENCODING,
                "binary frame", "distill-encoding");
    }

    @Test
    void rejectsJsonLabelledBinary() {
        byte[] json = codec.encode(event, Encoding.JSON);

        expect(() -> codec.decode(json, TestHeaders.binary()), Reason.UNKNOWN_ENCODING, "magic D1 57", "looks like JSON");
    }

    @Test
    void rejectsUnknownEncodingHeader() {
        expect(() -> codec.decode(codec.encode(event, Encoding.JSON), TestHeaders.with(Encoding.HEADER, "avro")),
                Reason.UNKNOWN_ENCODING, "\"avro\"");
    }

    @Test
    void rejectsWrongShapeWithExpectedAndGot() {
        EventCodec fashion = new EventCodec(RecordLimits.of(10, 28, 28));
        Event small = new Event("e-9", 1L, new int[] {27, 29}, new float[27 * 29]);

        for (Encoding encoding : Encoding.values()) {
            byte[] bytes = codec.encode(small, encoding);
            var headers = encoding == Encoding.BINARY ? TestHeaders.binary() : TestHeaders.none();
            expect(() -> fashion.decode(bytes, headers), Reason.WRONG_SHAPE,
                    "event e-9", "expected [28, 28] (784 features)", "got [27, 29] (783 features)");
        }
    }

    @Test
    void rejectsFeatureCountThatDisagreesWithShape() {
        expect(() -> codec.decode(utf8("{\"id\":\"e-3\",\"timestamp\":1,\"shape\":[2,2],\"features\":[1,2,3]}"), null),
                Reason.WRONG_SHAPE, "event e-3", "needs 4 features, got 3");
    }

    @Test
    void rejectsNonFiniteFeaturesNamingTheIndex() {
        expect(() -> codec.decode(utf8("{\"id\":\"e-4\",\"timestamp\":1,\"shape\":[3],\"features\":[1,NaN,3]}"), null),
                Reason.NON_FINITE, "event e-4", "features[1] is NaN");
        expect(() -> codec.decode(utf8("{\"id\":\"e-4\",\"timestamp\":1,\"shape\":[2],\"features\":[1,1e39]}"), null),
                Reason.NON_FINITE, "features[1] is Infinity");

        byte[] frame = codec.encode(new Event("e-5", 1L, new int[] {3}, new float[] {1f, 2f, 3f}), Encoding.BINARY);
        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putFloat(frame.length - 4, Float.NEGATIVE_INFINITY);
        expect(() -> codec.decode(frame, TestHeaders.binary()), Reason.NON_FINITE, "event e-5", "features[2] is -Infinity");
    }

    @Test
    void rejectsMissingAndMistypedFields() {
        expect(() -> codec.decode(utf8("{\"id\":\"e-6\",\"timestamp\":1,\"features\":[1]}"), null),
                Reason.MISSING_FIELD, "event e-6", "\"shape\"");
        expect(() -> codec.decode(utf8("{\"id\":\"e-6\",\"timestamp\":\"now\",\"shape\":[1],\"features\":[1]}"), null),
                Reason.WRONG_TYPE, "\"timestamp\"", "an integer", "a string");
        expect(() -> codec.decode(utf8("{\"id\":\"e-6\",\"timestamp\":1,\"shape\":[1],\"features\":[\"x\"]}"), null),
                Reason.WRONG_TYPE, "features[0]");
        expect(() -> codec.decode(utf8("[1,2]"), null), Reason.WRONG_TYPE, "expected a JSON object");
    }

    @Test
    void classifiesSyntaxErrorsTruncationAndEmptiness() {
        byte[] json = codec.encode(event, Encoding.JSON);

        for (int cut = 1; cut <= 6; cut++) {
            byte[] head = Arrays.copyOf(json, json.length - cut);
            assertThatThrownBy(() -> codec.decode(head, null))
                    .isInstanceOfSatisfying(MalformedRecordException.class, e -> assertThat(e.reason())
                            .isIn(Reason.TRUNCATED, Reason.NOT_JSON))
                    .hasMessageStartingWith("event: ")
                    .hasMessageNotContaining("REDACTED");
        }
        expect(() -> codec.decode(Arrays.copyOf(json, json.length - 1), null), Reason.TRUNCATED, "ends early");
        expect(() -> codec.decode(utf8("{\"id\" \"e\"}"), null), Reason.NOT_JSON, "not valid JSON");
        expect(() -> codec.decode(utf8("{\"id\":\"a\",\"id\":\"b\"}"), null), Reason.NOT_JSON, "Duplicate field");
        expect(() -> codec.decode(new byte[0], null), Reason.EMPTY, "no value");
        expect(() -> codec.decode(null, null), Reason.EMPTY, "tombstone");
    }

    @Test
    void rejectsTruncatedAndExtendedBinaryFrames() {
        byte[] frame = codec.encode(event, Encoding.BINARY);

        expect(() -> codec.decode(Arrays.copyOf(frame, frame.length - 1), TestHeaders.binary()),
                Reason.TRUNCATED, "features");
        expect(() -> codec.decode(Arrays.copyOf(frame, frame.length + 1), TestHeaders.binary()),
                Reason.BAD_VALUE, "trailing");
    }

    @Test
    void rejectsHugeDeclaredShapeWithoutAllocatingIt() {
        byte[] frame = codec.encode(new Event("e", 1L, new int[] {1, 1}, new float[1]), Encoding.BINARY);
        ByteBuffer le = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(16, 40_000);
        le.putInt(20, 40_000);

        expect(() -> codec.decode(frame, TestHeaders.binary()), Reason.TRUNCATED, "needs 6400000000 bytes");
    }

    @Test
    void rejectsOversizedRecords() {
        EventCodec tight = new EventCodec(RecordLimits.unchecked().withMaxRecordBytes(32));

        expect(() -> tight.decode(codec.encode(event, Encoding.JSON), null), Reason.OVERSIZED, "above the limit of 32");
    }

    @Test
    void rejectsALogitsFrameOnTheEventsTopic() {
        byte[] logits = new TeacherLogitsCodec().encode(
                dev.distill.common.event.TeacherLogits.dense("t", "v", 1L, new float[] {1f}), Encoding.BINARY);

        expect(() -> codec.decode(logits, TestHeaders.binary()), Reason.WRONG_TYPE, "holds teacher logits");
    }

    static void expect(ThrowingCallable call, Reason reason, String... messageParts) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(MalformedRecordException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContainingAll(messageParts);
    }
}
