package dev.distill.student.topology;

import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.TeacherLogitsCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the join retains about one event id: where the event is in the events topic (not its features: the trainer
 * reads them from there), the teachers' logits, and what was emitted. The event may be absent (its logits or label
 * arrived first); a label that arrived before its event is held as {@code pendingLabel}.
 *
 * @param createdAt stream time when the first record for this id arrived; orphans expire relative to it
 */
record JoinState(EventAt event, List<TeacherLogits> logits, boolean softEmitted, boolean labelled, Label pendingLabel,
                 long createdAt) {

    private static final byte MAGIC_0 = 'J';
    private static final byte MAGIC_1 = 'S';
    private static final byte VERSION = 3;
    private static final byte DENSE = 'D';
    private static final byte SPARSE = 'S';
    private static final int HAS_EVENT = 1;
    private static final int SOFT_EMITTED = 2;
    private static final int LABELLED = 4;
    private static final int HAS_PENDING_LABEL = 8;
    // Logits reuse the wire codec's binary frame, so the state store holds no second format to maintain.
    private static final TeacherLogitsCodec LOGITS = new TeacherLogitsCodec();

    /** An event's timestamp and position in the events topic. */
    record EventAt(long timestamp, int partition, long offset) {}

    JoinState {
        logits = List.copyOf(logits);
    }

    static JoinState empty(long now) {
        return new JoinState(null, List.of(), false, false, null, now);
    }

    boolean hasEvent() {
        return event != null;
    }

    boolean hasTeacher(String teacherId) {
        return logits.stream().anyMatch(l -> l.teacherId().equals(teacherId));
    }

    JoinState withEvent(EventAt e) {
        return new JoinState(e, logits, softEmitted, labelled, pendingLabel, createdAt);
    }

    JoinState withLogits(TeacherLogits l) {
        List<TeacherLogits> more = new ArrayList<>(logits);
        more.add(l);
        return new JoinState(event, more, softEmitted, labelled, pendingLabel, createdAt);
    }

    JoinState withSoftEmitted() {
        return new JoinState(event, logits, true, labelled, pendingLabel, createdAt);
    }

    JoinState withLabelled() {
        return new JoinState(event, logits, softEmitted, true, null, createdAt);
    }

    JoinState withoutLogits() {
        return new JoinState(event, List.of(), softEmitted, labelled, pendingLabel, createdAt);
    }

    JoinState withPendingLabel(Label label) {
        return new JoinState(event, logits, softEmitted, labelled, label, createdAt);
    }

    /**
     * A compact frame: only the fields in use are written (an orphan's creation time, an event's position, a held
     * label), and dense logits as names and floats, without the wire frame's header. The state is written to the
     * changelog once or twice per event, so its size is a good share of what the join writes back to Kafka.
     */
    byte[] encode() {
        List<byte[][]> names = new ArrayList<>();
        List<byte[]> frames = new ArrayList<>();
        int size = 4 + (event == null ? 8 : 20) + (pendingLabel == null ? 0 : 12) + 1;
        for (TeacherLogits l : logits) {
            if (l.isSparse()) {
                byte[] frame = LOGITS.encode(l, Encoding.BINARY);
                frames.add(frame);
                names.add(null);
                size += 1 + 4 + frame.length;
            } else {
                byte[][] n = {l.teacherId().getBytes(StandardCharsets.UTF_8),
                        l.modelVersion().getBytes(StandardCharsets.UTF_8)};
                names.add(n);
                frames.add(null);
                size += 1 + 4 + n[0].length + n[1].length + 4 + 4 * l.numClasses();
            }
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        int flags = (event != null ? HAS_EVENT : 0) | (softEmitted ? SOFT_EMITTED : 0) | (labelled ? LABELLED : 0)
                | (pendingLabel != null ? HAS_PENDING_LABEL : 0);
        buf.put(MAGIC_0).put(MAGIC_1).put(VERSION).put((byte) flags);
        if (event == null) {
            buf.putLong(createdAt); // an orphan expires relative to it; an event's state goes by the event's time
        } else {
            buf.putLong(event.timestamp()).putInt(event.partition()).putLong(event.offset());
        }
        if (pendingLabel != null) {
            buf.putInt(pendingLabel.label()).putLong(pendingLabel.timestamp());
        }
        buf.put((byte) logits.size());
        for (int i = 0; i < logits.size(); i++) {
            TeacherLogits l = logits.get(i);
            if (frames.get(i) != null) {
                buf.put(SPARSE).putInt(frames.get(i).length).put(frames.get(i));
            } else {
                byte[][] n = names.get(i);
                buf.put(DENSE).putShort((short) n[0].length).put(n[0]).putShort((short) n[1].length).put(n[1]);
                buf.putInt(l.numClasses());
                for (float v : l.logits()) {
                    buf.putFloat(v);
                }
            }
        }
        return buf.array();
    }

    /**
     * Decodes what {@link #encode()} wrote.
     *
     * @throws IllegalStateException if the bytes are not a join state: the store is corrupt or from another version,
     *                               which no input can cause, so the task should fail rather than guess
     */
    static JoinState decode(byte[] bytes) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            if (buf.get() != MAGIC_0 || buf.get() != MAGIC_1 || buf.get() != VERSION) {
                throw new IllegalStateException("not a version-" + VERSION + " join state (a state store from "
                        + "another version of the join: start it with a fresh student.application.id)");
            }
            int flags = buf.get();
            long createdAt = 0;
            EventAt event = null;
            if ((flags & HAS_EVENT) == 0) {
                createdAt = buf.getLong();
            } else {
                event = new EventAt(buf.getLong(), buf.getInt(), buf.getLong());
                createdAt = event.timestamp();
            }
            Label pending = (flags & HAS_PENDING_LABEL) != 0 ? new Label(buf.getInt(), buf.getLong()) : null;
            int count = buf.get() & 0xFF;
            List<TeacherLogits> logits = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                if (buf.get() == SPARSE) {
                    byte[] frame = new byte[buf.getInt()];
                    buf.get(frame);
                    logits.add(LOGITS.decodeWithoutHeaders(frame));
                } else {
                    String teacher = utf8(buf, buf.getShort() & 0xFFFF);
                    String version = utf8(buf, buf.getShort() & 0xFFFF);
                    float[] values = new float[buf.getInt()];
                    for (int c = 0; c < values.length; c++) {
                        values[c] = buf.getFloat();
                    }
                    logits.add(TeacherLogits.dense(teacher, version, 0L, values)); // inference time is not used here
                }
            }
            return new JoinState(event, logits, (flags & SOFT_EMITTED) != 0, (flags & LABELLED) != 0, pending, createdAt);
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("join state store holds an unreadable entry: " + e.getMessage(), e);
        }
    }

    private static String utf8(ByteBuffer buf, int length) {
        byte[] b = new byte[length];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
