package dev.distill.common.serde;

import static dev.distill.common.serde.EventCodecTest.expect;
import static dev.distill.common.serde.TestHeaders.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TeacherLogitsCodecTest {

    private final TeacherLogitsCodec codec = new TeacherLogitsCodec();
    private final TeacherLogits dense = TeacherLogits.dense("resnet-t1", "3", 1_700_000_000_500L,
            new float[] {2.5f, -1f, 0.125f});
    private final TeacherLogits sparse = TeacherLogits.sparse("llm-t", "2024-06", 7L, 50_000,
            new int[] {42, 7, 49_999}, new float[] {9.5f, 8f, 7.25f});

    @Test
    void roundTripsDenseAndSparseInBothEncodings() {
        for (TeacherLogits t : new TeacherLogits[] {dense, sparse}) {
            byte[] json = codec.encode(t, Encoding.JSON);
            byte[] binary = codec.encode(t, Encoding.BINARY);

            assertThat(codec.decode(json, null)).isEqualTo(t);
            assertThat(codec.decode(binary, TestHeaders.binary())).isEqualTo(t);
            assertThat(codec.decodeWithoutHeaders(binary)).isEqualTo(t);
            assertThat(binary.length % 4).isZero();
        }
    }

    @Test
    void writesDocumentedJsonFieldNames() {
        assertThat(new String(codec.encode(dense, Encoding.JSON))).isEqualTo("{\"teacherId\":\"resnet-t1\","
                + "\"modelVersion\":\"3\",\"inferenceTimestamp\":1700000000500,\"numClasses\":3,"
                + "\"logits\":[2.5,-1.0,0.125]}");
        assertThat(new String(codec.encode(sparse, Encoding.JSON))).contains(
                "\"numClasses\":50000,\"topKIndices\":[42,7,49999],\"topKValues\":[9.5,8.0,7.25]");
    }

    @Test
    void infersNumClassesOfDenseJson() {
        TeacherLogits t = codec.decode(utf8("{\"teacherId\":\"t\",\"modelVersion\":\"1\",\"inferenceTimestamp\":1,"
                + "\"logits\":[1,2]}"), null);

        assertThat(t.numClasses()).isEqualTo(2);
    }

    @Test
    void rejectsWrongNumberOfClasses() {
        TeacherLogitsCodec tenClasses = new TeacherLogitsCodec(RecordLimits.unchecked().withNumClasses(10));

        expect(() -> tenClasses.decode(codec.encode(dense, Encoding.BINARY), TestHeaders.binary()),
                Reason.WRONG_SHAPE, "resnet-t1", "expected 10 classes, got 3");
        expect(() -> codec.decode(utf8("{\"teacherId\":\"t\",\"modelVersion\":\"1\",\"inferenceTimestamp\":1,"
                + "\"numClasses\":3,\"logits\":[1,2]}"), null), Reason.WRONG_SHAPE, "numClasses is 3 but 2 logits");
    }

    @Test
    void rejectsIncompleteSparseForm() {
        expect(() -> codec.decode(utf8("{\"teacherId\":\"t\",\"modelVersion\":\"1\",\"inferenceTimestamp\":1,"
                + "\"numClasses\":9,\"topKIndices\":[1]}"), null), Reason.MISSING_FIELD, "\"topKValues\"");
        expect(() -> codec.decode(utf8("{\"teacherId\":\"t\",\"modelVersion\":\"1\",\"inferenceTimestamp\":1,"
                + "\"numClasses\":9,\"topKIndices\":[1,2],\"topKValues\":[1]}"), null), Reason.WRONG_SHAPE,
                "2 topKIndices but 1 topKValues");
        expect(() -> codec.decode(utf8("{\"teacherId\":\"t\",\"modelVersion\":\"1\",\"inferenceTimestamp\":1,"
                + "\"numClasses\":9,\"topKIndices\":[9],\"topKValues\":[1]}"), null), Reason.BAD_VALUE,
                "index 9 is outside [0, 9)");
    }

    @Test
    void rejectsNonFiniteLogits() {
        expect(() -> codec.decode(utf8("{\"teacherId\":\"t\",\"modelVersion\":\"1\",\"inferenceTimestamp\":1,"
                + "\"logits\":[1,-Infinity]}"), null), Reason.NON_FINITE, "logits[1] is -Infinity");
    }

    @Test
    void rejectsTruncatedBinaryFrameNamingTheField() {
        byte[] frame = codec.encode(sparse, Encoding.BINARY);

        expect(() -> codec.decode(Arrays.copyOf(frame, 18), TestHeaders.binary()), Reason.TRUNCATED, "value count");
    }
}
