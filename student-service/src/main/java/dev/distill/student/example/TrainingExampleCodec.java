package dev.distill.student.example;

import dev.distill.common.event.Event;
import dev.distill.common.serde.BinaryIn;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The compact binary form of a {@link TrainingExample}: little-endian, float32 arrays 4-byte aligned.
 *
 * <pre>
 * offset size
 *  0      2   magic D1 58
 *  2      1   version (1)
 *  3      1   kind: 'S' soft, 'L' labelled
 *  4      8   i64 event timestamp
 * 12      4   i32 label (-1 when soft)
 * 16      8   i64 label timestamp (-1 when soft)
 * 24      2   u16 event id length (UTF-8 bytes)
 * 26      1   u8 rank
 * 27      1   u8 teacher count
 * 28   4*rank i32 shape
 *         n   event id, UTF-8; zero padding to a multiple of 4
 *      4*prod f32 features
 * per teacher:
 *         2   u16 teacher id length,  2  u16 model version length
 *         4   i32 number of classes,  4  f32 weight
 *         n   teacher id, model version (UTF-8); zero padding to a multiple of 4
 *   4*classes f32 logits
 * </pre>
 *
 * {@link #decode} throws only {@link MalformedRecordException}, whatever the bytes.
 */
public final class TrainingExampleCodec implements Serializer<TrainingExample>, Deserializer<TrainingExample> {

    public static final byte MAGIC_0 = (byte) 0xD1;
    public static final byte MAGIC_1 = (byte) 0x58;
    public static final byte VERSION = 1;
    static final byte KIND_SOFT = 'S';
    static final byte KIND_LABELLED = 'L';
    private static final int HEADER_BYTES = 28;
    private static final String WHAT = "training example";

    public byte[] encode(TrainingExample e) {
        byte[] id = e.eventId().getBytes(StandardCharsets.UTF_8);
        if (id.length > 0xFFFF) {
            throw new IllegalArgumentException("example id is " + id.length + " UTF-8 bytes; the frame allows 65535");
        }
        int[] shape = e.shape();
        List<byte[][]> names = new ArrayList<>();
        int size = align(HEADER_BYTES + 4 * shape.length + id.length) + 4 * e.featureCount();
        for (TeacherOutput t : e.teachers()) {
            byte[] teacher = t.teacherId().getBytes(StandardCharsets.UTF_8);
            byte[] version = t.modelVersion().getBytes(StandardCharsets.UTF_8);
            names.add(new byte[][] {teacher, version});
            size += align(12 + teacher.length + version.length) + 4 * t.numClasses();
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC_0).put(MAGIC_1).put(VERSION).put(e.kind() == TrainingExample.Kind.SOFT ? KIND_SOFT : KIND_LABELLED);
        b.putLong(e.eventTimestamp()).putInt(e.label()).putLong(e.labelTimestamp());
        b.putShort((short) id.length).put((byte) shape.length).put((byte) e.teachers().size());
        for (int d : shape) {
            b.putInt(d);
        }
        b.put(id);
        b.position(align(b.position()));
        b.asFloatBuffer().put(e.features());
        b.position(b.position() + 4 * e.featureCount());
        for (int i = 0; i < e.teachers().size(); i++) {
            TeacherOutput t = e.teachers().get(i);
            byte[] teacher = names.get(i)[0];
            byte[] version = names.get(i)[1];
            b.putShort((short) teacher.length).putShort((short) version.length).putInt(t.numClasses())
                    .putFloat(t.weight());
            b.put(teacher).put(version);
            b.position(align(b.position()));
            b.asFloatBuffer().put(t.logits());
            b.position(b.position() + 4 * t.numClasses());
        }
        return b.array();
    }

    /**
     * Decodes one example.
     *
     * @throws MalformedRecordException for anything that is not a complete, valid version-1 frame
     */
    public TrainingExample decode(byte[] bytes) {
        return guarded(() -> {
            Frame f = readFrame(bytes, null, 0, -1);
            return new TrainingExample(f.eventId(), f.eventTimestamp(), f.shape(), f.features(), f.teachers(),
                    f.label(), f.labelTimestamp(), f.kind());
        });
    }

    /** An example without its features: what {@link #decodeInto} returns besides the features it wrote. */
    public record Head(String eventId, long eventTimestamp, List<TeacherOutput> teachers, int label,
                       long labelTimestamp, TrainingExample.Kind kind) {
        public boolean hasLabel() {
            return kind == TrainingExample.Kind.LABELLED;
        }
    }

    /**
     * Decodes an example whose features must number exactly {@code count}, writing them straight into
     * {@code dst[offset, offset + count)} instead of a new array: the trainer decodes into its batch, with one copy
     * of the features where {@link #decode} makes three. Validates exactly as {@code decode} does, and throws only
     * {@link MalformedRecordException} ({@code WRONG_SHAPE} for another count); on a failure
     * {@code dst[offset, offset + count)} may hold part of the values and must be treated as garbage.
     *
     * @throws IndexOutOfBoundsException if {@code dst} has no room for {@code count} values at {@code offset} (a
     *                                   caller error, not a record error)
     */
    public Head decodeInto(byte[] bytes, float[] dst, int offset, int count) {
        if (offset < 0 || count < 0 || offset > dst.length - count) {
            throw new IndexOutOfBoundsException("no room for " + count + " features at " + offset + " in an array of "
                    + dst.length);
        }
        return guarded(() -> {
            Frame f = readFrame(bytes, dst, offset, count);
            Event.check(f.eventId(), f.eventTimestamp(), f.shape(), dst, offset, count);
            List<TeacherOutput> teachers = TrainingExample.checkTeachersAndLabel(f.eventId(), f.teachers(),
                    f.label(), f.labelTimestamp(), f.kind());
            return new Head(f.eventId(), f.eventTimestamp(), teachers, f.label(), f.labelTimestamp(), f.kind());
        });
    }

    /** Runs a decode so that it throws only {@link MalformedRecordException}, whatever the bytes. */
    private static <T> T guarded(Supplier<T> decode) {
        try {
            return decode.get();
        } catch (MalformedRecordException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException(Reason.BAD_VALUE, WHAT + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Not expected: every read is bounds-checked. Kept so that callers can rely on the single exception type.
            throw new MalformedRecordException(Reason.BAD_VALUE, WHAT + ": unreadable frame (" + e + ")", e);
        }
    }

    /** A frame's fields; {@code features} is null when they were written into the caller's array. */
    private record Frame(String eventId, long eventTimestamp, int[] shape, float[] features,
                         List<TeacherOutput> teachers, int label, long labelTimestamp, TrainingExample.Kind kind) {}

    /**
     * Reads a frame; the features go to a new array when {@code dst} is null, else into {@code dst} at
     * {@code offset}, after checking that the shape holds exactly {@code expected} of them.
     */
    private Frame readFrame(byte[] bytes, float[] dst, int offset, int expected) {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedRecordException(Reason.EMPTY, WHAT + " has no value");
        }
        BinaryIn in = new BinaryIn(bytes, 0, WHAT);
        in.need(4, "preamble");
        if (bytes[0] != MAGIC_0 || bytes[1] != MAGIC_1) {
            throw new MalformedRecordException(Reason.UNKNOWN_ENCODING, String.format(
                    "%s: expected magic D1 58, got %02X %02X; is this the examples topic?", WHAT, bytes[0], bytes[1]));
        }
        if (bytes[2] != VERSION) {
            throw new MalformedRecordException(Reason.UNKNOWN_ENCODING, WHAT + ": version " + (bytes[2] & 0xFF)
                    + " is not supported (this reader knows version " + VERSION + ")");
        }
        TrainingExample.Kind kind = switch (bytes[3]) {
            case KIND_SOFT -> TrainingExample.Kind.SOFT;
            case KIND_LABELLED -> TrainingExample.Kind.LABELLED;
            default -> throw new MalformedRecordException(Reason.WRONG_TYPE, String.format(
                    "%s: unknown kind 0x%02X (expected 'S' or 'L')", WHAT, bytes[3]));
        };
        in.skip(4, "preamble");
        long eventTimestamp = in.i64("event timestamp");
        int label = in.i32("label");
        long labelTimestamp = in.i64("label timestamp");
        int idLength = in.u16("id length");
        int rank = in.u8("rank");
        int teacherCount = in.u8("teacher count");
        if (rank < 1 || rank > Event.MAX_RANK) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, WHAT + ": rank " + rank + " is outside 1.."
                    + Event.MAX_RANK);
        }
        int[] shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = in.i32("shape");
            if (shape[i] < 1) {
                throw new MalformedRecordException(Reason.WRONG_SHAPE, WHAT + ": shape[" + i + "] is " + shape[i]);
            }
            count *= shape[i];
            // Bounded by the bytes present before any allocation, so a hostile shape cannot exhaust the heap.
            if (4 * count > bytes.length) {
                throw new MalformedRecordException(Reason.TRUNCATED, WHAT + ": shape needs at least " + count
                        + " features but the frame has " + bytes.length + " bytes");
            }
        }
        String id = in.utf8(idLength, "event id");
        in.align("padding before features");
        float[] features = null;
        if (dst == null) {
            features = in.f32s((int) count, "features");
        } else if (count != expected) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, WHAT + " " + id + ": expected " + expected
                    + " features, got " + count + " (shape " + Arrays.toString(shape) + ")");
        } else {
            in.f32sInto(dst, offset, expected, "features");
        }
        List<TeacherOutput> teachers = new ArrayList<>(teacherCount);
        for (int t = 0; t < teacherCount; t++) {
            int teacherLength = in.u16("teacher id length");
            int versionLength = in.u16("model version length");
            int classes = in.i32("number of classes");
            float weight = in.f32("teacher weight");
            String teacher = in.utf8(teacherLength, "teacher id");
            String version = in.utf8(versionLength, "model version");
            in.align("padding before logits");
            if (classes < 1) {
                throw new MalformedRecordException(Reason.WRONG_SHAPE, WHAT + " " + id + ": teacher " + teacher
                        + " has " + classes + " classes");
            }
            float[] logits = in.f32s(classes, "logits of " + teacher);
            teachers.add(new TeacherOutput(teacher, version, weight, logits));
        }
        in.end();
        return new Frame(id, eventTimestamp, shape, features, teachers, label, labelTimestamp, kind);
    }

    static int align(int offset) {
        return (offset + 3) & ~3;
    }

    @Override
    public byte[] serialize(String topic, TrainingExample data) {
        return data == null ? null : encode(data);
    }

    @Override
    public TrainingExample deserialize(String topic, byte[] data) {
        return decode(data);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // stateless
    }

    @Override
    public void close() {
        // nothing to release
    }

    /** A Kafka serde over this codec, for clients that prefer typed records. */
    public static Serde<TrainingExample> serde() {
        TrainingExampleCodec codec = new TrainingExampleCodec();
        return Serdes.serdeFrom(codec, codec);
    }
}
