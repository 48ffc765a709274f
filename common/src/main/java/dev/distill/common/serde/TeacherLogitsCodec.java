package dev.distill.common.serde;

import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Teacher logits as JSON (dense {@code "logits"} or sparse {@code "topKIndices"} + {@code "topKValues"}) or as a
 * little-endian binary frame (layout in docs/wire-format.md).
 */
public final class TeacherLogitsCodec extends AbstractCodec<TeacherLogits> {

    private static final String WHAT = "teacher logits";
    private static final int FLAG_SPARSE = 1;

    public TeacherLogitsCodec(RecordLimits limits) {
        super(limits);
    }

    public TeacherLogitsCodec() {
        this(RecordLimits.unchecked());
    }

    @Override
    public String what() {
        return WHAT;
    }

    @Override
    public boolean supportsBinary() {
        return true;
    }

    @Override
    byte[] encodeJson(TeacherLogits t) {
        return Json.write(128 + 12 * t.valueCount(), g -> {
            g.writeStartObject();
            g.writeStringField("teacherId", t.teacherId());
            g.writeStringField("modelVersion", t.modelVersion());
            g.writeNumberField("inferenceTimestamp", t.inferenceTimestamp());
            g.writeNumberField("numClasses", t.numClasses());
            if (t.isSparse()) {
                Json.intArray(g, "topKIndices", t.topKIndices());
                Json.floatArray(g, "topKValues", t.topKValues());
            } else {
                Json.floatArray(g, "logits", t.logits());
            }
            g.writeEndObject();
        });
    }

    @Override
    byte[] encodeBinary(TeacherLogits t) {
        byte[] teacher = t.teacherId().getBytes(StandardCharsets.UTF_8);
        byte[] version = t.modelVersion().getBytes(StandardCharsets.UTF_8);
        if (teacher.length > 0xFFFF || version.length > 0xFFFF) {
            throw new IllegalArgumentException("teacherId and modelVersion must be at most 65535 UTF-8 bytes");
        }
        int count = t.valueCount();
        int namesEnd = 28 + teacher.length + version.length;
        int arraysAt = namesEnd + BinaryFrames.padding(namesEnd);
        int size = arraysAt + 4 * count * (t.isSparse() ? 2 : 1);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(BinaryFrames.MAGIC_0).put(BinaryFrames.MAGIC_1).put(BinaryFrames.VERSION).put(BinaryFrames.KIND_LOGITS);
        b.putLong(t.inferenceTimestamp());
        b.putInt(t.numClasses());
        b.putInt(count);
        b.putShort((short) teacher.length);
        b.putShort((short) version.length);
        b.put((byte) (t.isSparse() ? FLAG_SPARSE : 0)).put((byte) 0).put((byte) 0).put((byte) 0);
        b.put(teacher).put(version);
        b.position(arraysAt);
        if (t.isSparse()) {
            b.asIntBuffer().put(t.topKIndices());
            b.position(arraysAt + 4 * count);
            b.asFloatBuffer().put(t.topKValues());
        } else {
            b.asFloatBuffer().put(t.logits());
        }
        return b.array();
    }

    @Override
    TeacherLogits decodeJson(byte[] bytes) throws IOException {
        String teacherId = null;
        String modelVersion = null;
        Long timestamp = null;
        Integer numClasses = null;
        float[] logits = null;
        int[] indices = null;
        float[] values = null;
        try (JsonIn in = JsonIn.open(bytes, WHAT)) {
            for (String f = in.nextField(); f != null; f = in.nextField()) {
                switch (f) {
                    case "teacherId" -> teacherId = in.string(f);
                    case "modelVersion" -> modelVersion = in.string(f);
                    case "inferenceTimestamp" -> timestamp = in.longValue(f);
                    case "numClasses" -> numClasses = in.intValue(f);
                    case "logits" -> logits = in.floatArray(f);
                    case "topKIndices" -> indices = in.intArray(f);
                    case "topKValues" -> values = in.floatArray(f);
                    default -> in.skipValue();
                }
            }
            in.end();
        }
        if (teacherId == null) {
            throw JsonIn.missing(WHAT, "teacherId");
        }
        String what = WHAT + " of " + teacherId;
        if (modelVersion == null) {
            throw JsonIn.missing(what, "modelVersion");
        }
        if (timestamp == null) {
            throw JsonIn.missing(what, "inferenceTimestamp");
        }
        if (logits != null) {
            if (indices != null || values != null) {
                throw new MalformedRecordException(Reason.BAD_VALUE, what
                        + ": has both \"logits\" and top-k fields; send one form");
            }
            int classes = numClasses == null ? logits.length : numClasses;
            if (logits.length != classes) {
                throw new MalformedRecordException(Reason.WRONG_SHAPE, what + ": numClasses is " + classes
                        + " but " + logits.length + " logits were given");
            }
            limits.checkClasses(what, classes);
            checkFinite(what, "logits", logits);
            return new TeacherLogits(teacherId, modelVersion, timestamp, classes, logits, null, null);
        }
        if (indices == null && values == null) {
            throw new MalformedRecordException(Reason.MISSING_FIELD, what
                    + ": missing \"logits\" (dense) or \"topKIndices\" and \"topKValues\" (sparse)");
        }
        if (indices == null) {
            throw JsonIn.missing(what, "topKIndices");
        }
        if (values == null) {
            throw JsonIn.missing(what, "topKValues");
        }
        if (numClasses == null) {
            throw new MalformedRecordException(Reason.MISSING_FIELD, what
                    + ": missing required field \"numClasses\" (required for the sparse top-k form)");
        }
        return sparse(what, teacherId, modelVersion, timestamp, numClasses, indices, values);
    }

    private TeacherLogits sparse(String what, String teacherId, String modelVersion, long timestamp, int numClasses,
                                 int[] indices, float[] values) {
        if (indices.length != values.length) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, what + ": " + indices.length
                    + " topKIndices but " + values.length + " topKValues");
        }
        if (numClasses < 1) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + ": numClasses must be >= 1, got " + numClasses);
        }
        limits.checkClasses(what, numClasses);
        checkFinite(what, "topKValues", values);
        return new TeacherLogits(teacherId, modelVersion, timestamp, numClasses, null, indices, values);
    }

    @Override
    TeacherLogits decodeBinary(byte[] bytes) {
        BinaryFrames.checkPreamble(bytes, BinaryFrames.KIND_LOGITS, WHAT);
        BinaryIn in = new BinaryIn(bytes, BinaryFrames.PREAMBLE, WHAT);
        long timestamp = in.i64("inferenceTimestamp");
        int numClasses = in.i32("numClasses");
        int count = in.i32("value count");
        int teacherLength = in.u16("teacherId length");
        int versionLength = in.u16("modelVersion length");
        int flags = in.u8("flags");
        in.zeros(3, "reserved bytes");
        if ((flags & ~FLAG_SPARSE) != 0) {
            throw new MalformedRecordException(Reason.BAD_VALUE, WHAT + " binary frame: unknown flags 0x"
                    + Integer.toHexString(flags));
        }
        boolean sparse = (flags & FLAG_SPARSE) != 0;
        String teacherId = in.utf8(teacherLength, "teacherId");
        String modelVersion = in.utf8(versionLength, "modelVersion");
        String what = WHAT + " of " + teacherId;
        if (numClasses < 1) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + ": numClasses must be >= 1, got " + numClasses);
        }
        if (count < 1 || count > numClasses || (!sparse && count != numClasses)) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, what + ": " + count + " values for "
                    + numClasses + " classes in the " + (sparse ? "sparse" : "dense") + " form");
        }
        in.align("padding before values");
        in.need(4L * count * (sparse ? 2 : 1), sparse ? "topKIndices and topKValues" : "logits");
        if (sparse) {
            int[] indices = in.i32s(count, "topKIndices");
            float[] values = in.f32s(count, "topKValues");
            in.end();
            return sparse(what, teacherId, modelVersion, timestamp, numClasses, indices, values);
        }
        float[] logits = in.f32s(count, "logits");
        in.end();
        limits.checkClasses(what, numClasses);
        checkFinite(what, "logits", logits);
        return new TeacherLogits(teacherId, modelVersion, timestamp, numClasses, logits, null, null);
    }
}
