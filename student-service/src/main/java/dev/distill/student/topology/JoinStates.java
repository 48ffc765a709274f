package dev.distill.student.topology;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The join's retained states, in a window store keyed by event id and stamped with the event's timestamp (or, until
 * the event arrives, the stream time of the first record for that id). The store keeps {@link #retention} and drops
 * older segments whole: a state ends without a delete, a tombstone or an expiry index, where one deadline and one
 * expired-id entry per event (each written, then deleted) made expiry cost as many changelog writes as joining.
 *
 * <p>Also counts the retained events still waiting for their label, by minute of event time, for the pending gauge.
 */
final class JoinStates {

    private static final long BUCKET_MS = 60_000;
    /** Most entries read at start to rebuild the pending count; a larger store leaves it an undercount. */
    private static final int MAX_SCAN = 1_000_000;

    private final WindowStore<String, byte[]> store;
    private final long horizonMs;
    private final long retentionMs;
    private final TreeMap<Long, Long> pendingByMinute = new TreeMap<>();
    private long pending;

    JoinStates(WindowStore<String, byte[]> store, long horizonMs, long retentionMs) {
        this.store = store;
        this.horizonMs = horizonMs;
        this.retentionMs = retentionMs;
        try (KeyValueIterator<Windowed<String>, byte[]> all = store.all()) {
            for (int n = 0; all.hasNext() && n < MAX_SCAN; n++) {
                JoinState s = JoinState.decode(all.next().value);
                if (waiting(s)) {
                    count(s, 1);
                }
            }
        }
    }

    /**
     * How long states are kept: two horizons, so that a label up to one horizon after its event's horizon still
     * finds the event and counts as expired (not unknown), plus room for the teacher window and the orphan hold.
     */
    static long retention(long horizonMs, long windowMs, long orphanHoldMs) {
        return Deadline.plus(Deadline.plus(Deadline.plus(horizonMs, horizonMs), windowMs), orphanHoldMs);
    }

    /**
     * The state of {@code id} at stream time {@code now}, or null. Only the retention before {@code now} is searched:
     * no state is stamped later than the stream time it was stored at, and an unbounded range would make the caching
     * layer walk every possible segment.
     */
    JoinState get(String id, long now) {
        byte[] newest = null;
        long from = Math.max(0, now - retentionMs);
        try (WindowStoreIterator<byte[]> it = store.fetch(id, from, Math.max(from, now))) {
            while (it.hasNext()) {
                KeyValue<Long, byte[]> kv = it.next();
                newest = kv.value; // ascending by time: an event's entry replaces its id's earlier orphan entry
            }
        }
        return newest == null ? null : JoinState.decode(newest);
    }

    /** Calls {@code action} with every state stamped within {@code [from, to]}. */
    void forEachStoredBetween(long from, long to, BiConsumer<String, JoinState> action) {
        try (KeyValueIterator<Windowed<String>, byte[]> it = store.fetchAll(from, to)) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, byte[]> kv = it.next();
                action.accept(kv.key.key(), JoinState.decode(kv.value));
            }
        }
    }

    /** Stores {@code after} as the state of {@code id}, whose stored state was {@code before} (null if none). */
    void put(String id, JoinState before, JoinState after) {
        long at = slot(after);
        if (before != null && slot(before) != at) {
            store.put(id, null, slot(before)); // the orphan entry moves to the event's time
        }
        store.put(id, after.encode(), at);
        int change = (waiting(after) ? 1 : 0) - (before != null && waiting(before) ? 1 : 0);
        if (change != 0) {
            count(change > 0 ? after : before, change);
        }
    }

    /** Drops the state of {@code id} (an orphan whose event never came). */
    void delete(String id, JoinState state) {
        store.put(id, null, slot(state));
        if (waiting(state)) {
            count(state, -1);
        }
    }

    /** Events retained within their horizon at {@code streamTime} and not labelled yet. */
    long pending(long streamTime) {
        long horizonStart = streamTime - horizonMs;
        Map<Long, Long> old = pendingByMinute.headMap(horizonStart - BUCKET_MS, true);
        for (long n : old.values()) {
            pending -= n;
        }
        old.clear();
        return pending;
    }

    private static boolean waiting(JoinState s) {
        return s.hasEvent() && !s.labelled();
    }

    private void count(JoinState s, long change) {
        long bucket = Math.floorDiv(s.event().timestamp(), BUCKET_MS) * BUCKET_MS;
        Long counted = pendingByMinute.get(bucket);
        if (change < 0 && counted == null) {
            return; // its minute has aged out of the count already
        }
        long now = (counted == null ? 0 : counted) + change;
        if (now <= 0) {
            pendingByMinute.remove(bucket);
        } else {
            pendingByMinute.put(bucket, now);
        }
        pending += change;
    }

    private static long slot(JoinState s) {
        return s.hasEvent() ? s.event().timestamp() : s.createdAt();
    }
}
