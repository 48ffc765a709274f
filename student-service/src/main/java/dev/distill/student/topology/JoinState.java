package dev.distill.student.topology;

import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.TeacherLogitsCodec;
import java.nio.ByteBuffer;
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
    private static final byte VERSION = 2;
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

    JoinState withPendingLabel(Label label) {
        return new JoinState(event, logits, softEmitted, labelled, label, createdAt);
    }

    byte[] encode() {
        List<byte[]> logitBytes = new ArrayList<>();
        int size = 4 + 8 + 12 + 20 + 2;
        for (TeacherLogits l : logits) {
            byte[] b = LOGITS.encode(l, Encoding.BINARY);
            logitBytes.add(b);
            size += 4 + b.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        int flags = (event != null ? HAS_EVENT : 0) | (softEmitted ? SOFT_EMITTED : 0) | (labelled ? LABELLED : 0)
                | (pendingLabel != null ? HAS_PENDING_LABEL : 0);
        buf.put(MAGIC_0).put(MAGIC_1).put(VERSION).put((byte) flags);
        buf.putLong(createdAt);
        buf.putInt(pendingLabel == null ? -1 : pendingLabel.label());
        buf.putLong(pendingLabel == null ? -1 : pendingLabel.timestamp());
        buf.putLong(event == null ? -1 : event.timestamp());
        buf.putInt(event == null ? -1 : event.partition());
        buf.putLong(event == null ? -1 : event.offset());
        buf.putShort((short) logitBytes.size());
        for (byte[] b : logitBytes) {
            buf.putInt(b.length).put(b);
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
                throw new IllegalStateException("not a version-" + VERSION + " join state");
            }
            int flags = buf.get();
            long createdAt = buf.getLong();
            int label = buf.getInt();
            long labelTs = buf.getLong();
            long eventTimestamp = buf.getLong();
            int eventPartition = buf.getInt();
            long eventOffset = buf.getLong();
            int count = buf.getShort() & 0xFFFF;
            List<TeacherLogits> logits = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] b = new byte[buf.getInt()];
                buf.get(b);
                logits.add(LOGITS.decodeWithoutHeaders(b));
            }
            EventAt event = (flags & HAS_EVENT) != 0 ? new EventAt(eventTimestamp, eventPartition, eventOffset) : null;
            Label pending = (flags & HAS_PENDING_LABEL) != 0 ? new Label(label, labelTs) : null;
            return new JoinState(event, logits, (flags & SOFT_EMITTED) != 0, (flags & LABELLED) != 0, pending, createdAt);
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("join state store holds an unreadable entry: " + e.getMessage(), e);
        }
    }
}
