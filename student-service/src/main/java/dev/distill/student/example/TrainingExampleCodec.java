package dev.distill.student.example;

import dev.distill.common.serde.BinaryIn;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The compact binary form of a {@link TrainingExample}: little-endian, float32 arrays 4-byte aligned. Version 2 names
 * the event's position in the events topic instead of carrying its features (version 1 did, and is refused with a
 * message that says so).
 *
 * <pre>
 * offset size
 *  0      2   magic D1 58
 *  2      1   version (2)
 *  3      1   kind: 'S' soft, 'L' labelled
 *  4      8   i64 event timestamp
 * 12      8   i64 offset of the event in the events topic
 * 20      4   i32 partition of the event in the events topic
 * 24      3   reserved, 0
 * 27      1   u8 teacher count
 * labelled only:
 * 28      4   i32 label
 * 32      8   i64 label timestamp
 * per teacher, from offset 28 (soft) or 40 (labelled):
 *         2   u16 teacher id length,  2  u16 model version length
 *         4   i32 number of classes,  4  f32 weight
 *         n   teacher id, model version (UTF-8); zero padding to a multiple of 4
 *   4*classes f32 logits
 * </pre>
 *
 * The event id is the record's key (UTF-8), as on every topic of the event's; the value does not repeat it.
 * {@link #decode} throws only {@link MalformedRecordException}, whatever the bytes.
 */
public final class TrainingExampleCodec {

    public static final byte MAGIC_0 = (byte) 0xD1;
    public static final byte MAGIC_1 = (byte) 0x58;
    public static final byte VERSION = 2;
    static final byte KIND_SOFT = 'S';
    static final byte KIND_LABELLED = 'L';
    private static final int HEADER_BYTES = 28;
    private static final int LABEL_BYTES = 12;
    private static final String WHAT = "training example";

    /** The record key of an example: its event id, UTF-8. */
    public static byte[] key(TrainingExample e) {
        return e.eventId().getBytes(StandardCharsets.UTF_8);
    }

    /** The record value of an example (its key is {@link #key}). */
    public byte[] encode(TrainingExample e) {
        List<byte[][]> names = new ArrayList<>();
        boolean labelled = e.hasLabel();
        int size = HEADER_BYTES + (labelled ? LABEL_BYTES : 0);
        for (TeacherOutput t : e.teachers()) {
            byte[] teacher = t.teacherId().getBytes(StandardCharsets.UTF_8);
            byte[] version = t.modelVersion().getBytes(StandardCharsets.UTF_8);
            names.add(new byte[][] {teacher, version});
            size += align(12 + teacher.length + version.length) + 4 * t.numClasses();
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC_0).put(MAGIC_1).put(VERSION).put(e.kind() == TrainingExample.Kind.SOFT ? KIND_SOFT : KIND_LABELLED);
        b.putLong(e.eventTimestamp()).putLong(e.eventOffset()).putInt(e.eventPartition());
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) e.teachers().size());
        if (labelled) {
            b.putInt(e.label()).putLong(e.labelTimestamp());
        }
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
     * Decodes one example from its record's key (the event id) and value.
     *
     * @throws MalformedRecordException for anything that is not a complete, valid version-2 frame with a valid key
     */
    public TrainingExample decode(byte[] key, byte[] value) {
        return guarded(() -> readFrame(key, value));
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

    private TrainingExample readFrame(byte[] key, byte[] bytes) {
        if (key == null || key.length == 0) {
            throw new MalformedRecordException(Reason.MISSING_FIELD, WHAT + " has no key; the key is the event id");
        }
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
                    + " is not supported (this reader knows version " + VERSION + (bytes[2] == 1
                    ? "; version 1 carried the features and came from an older join: start the join with a fresh "
                    + "student.application.id and examples topic)" : ")"));
        }
        TrainingExample.Kind kind = switch (bytes[3]) {
            case KIND_SOFT -> TrainingExample.Kind.SOFT;
            case KIND_LABELLED -> TrainingExample.Kind.LABELLED;
            default -> throw new MalformedRecordException(Reason.WRONG_TYPE, String.format(
                    "%s: unknown kind 0x%02X (expected 'S' or 'L')", WHAT, bytes[3]));
        };
        in.skip(4, "preamble");
        long eventTimestamp = in.i64("event timestamp");
        long eventOffset = in.i64("event offset");
        int eventPartition = in.i32("event partition");
        in.zeros(3, "reserved bytes");
        int teacherCount = in.u8("teacher count");
        int label = TrainingExample.NO_LABEL;
        long labelTimestamp = TrainingExample.NO_LABEL;
        if (kind == TrainingExample.Kind.LABELLED) {
            label = in.i32("label");
            labelTimestamp = in.i64("label timestamp");
        }
        String id = new BinaryIn(key, 0, WHAT + " key").utf8(key.length, "event id");
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
        return new TrainingExample(id, eventTimestamp, eventPartition, eventOffset, teachers, label, labelTimestamp,
                kind);
    }

    static int align(int offset) {
        return (offset + 3) & ~3;
    }
}
