package dev.distill.student.topology;

import java.util.Comparator;

/**
 * A moment at which the join must look at one event id again: its teacher window closes, or its orphan hold ends.
 * Ordered by time (then kind and id), so the punctuator takes the due ones from the head of a sorted set.
 */
record Deadline(long time, Kind kind, String eventId) implements Comparable<Deadline> {

    private static final Comparator<Deadline> ORDER = Comparator.comparingLong(Deadline::time)
            .thenComparing(Deadline::kind).thenComparing(Deadline::eventId);

    enum Kind {
        /** The teacher window of an event closes: emit a partial SOFT example, or release a held label. */
        WINDOW,
        /** Logits or a label whose event never came: drop them (a held label counts as unknown). */
        ORPHAN
    }

    Deadline {
        time = Math.max(0, time);
    }

    /** {@code a + b} saturating at {@link Long#MAX_VALUE}, for deadlines computed from timestamps and durations. */
    static long plus(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    @Override
    public int compareTo(Deadline other) {
        return ORDER.compare(this, other);
    }
}
