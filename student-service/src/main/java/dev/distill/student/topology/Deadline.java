package dev.distill.student.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * A key of the deadline index: big-endian time (so the store's byte order is time order), a kind byte, the event id.
 * Punctuation range-scans the index up to the current stream time instead of scanning every retained event.
 */
record Deadline(long time, Kind kind, String eventId) {

    enum Kind {
        /** The teacher window of an event closes: emit a partial SOFT example if one is due. */
        WINDOW('W'),
        /** Logits or a label whose event never came: drop them (a held label counts as unknown). */
        ORPHAN('O');

        final byte code;

        Kind(char code) {
            this.code = (byte) code;
        }

        static Kind of(byte code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalStateException("deadline index holds an unknown kind " + code);
        }
    }

    Deadline {
        time = Math.max(0, time);
    }

    /** {@code a + b} saturating at {@link Long#MAX_VALUE}, for deadlines computed from timestamps and durations. */
    static long plus(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    Bytes key() {
        byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(9 + id.length).putLong(time).put(kind.code).put(id).array());
    }

    static Deadline of(Bytes key) {
        ByteBuffer b = ByteBuffer.wrap(key.get());
        long time = b.getLong();
        Kind kind = Kind.of(b.get());
        return new Deadline(time, kind, new String(key.get(), 9, key.get().length - 9, StandardCharsets.UTF_8));
    }

    /** The smallest key of any deadline at or after {@code time}. */
    static Bytes from(long time) {
        return Bytes.wrap(ByteBuffer.allocate(8).putLong(Math.max(0, time)).array());
    }
}
