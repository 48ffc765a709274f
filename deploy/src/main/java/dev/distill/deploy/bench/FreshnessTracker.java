package dev.distill.deploy.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongFunction;

/**
 * Checkpoint freshness: for sampled events, the time from the event entering Kafka (its record timestamp) to the
 * first moment the edge agent serves a student version whose training included it.
 *
 * <p>A version "includes" an event when the newest event timestamp the trainer had trained when it published that
 * version is at or after the event's timestamp ({@code TrainerLoop.newestEventTrainedIn}). Events reach the
 * trainer nearly in timestamp order (soft examples as soon as the teacher answered), so this is exact up to the
 * join's reordering, which is small next to the checkpoint interval. Thread-safe: the replay records, a watcher
 * observes, the sampler drains.
 */
final class FreshnessTracker {

    /** One resolved event: when it was produced and how long until the edge served a student trained on it. */
    record Resolved(long producedMillis, long freshnessMillis) {}

    private final LongFunction<OptionalLong> newestEventTrainedIn;
    private final ArrayDeque<Long> waiting = new ArrayDeque<>();
    private final List<Resolved> resolved = new ArrayList<>();
    private int resolvedReported;
    private long lastVersion = -1;
    private long versionsServed;

    /** @param newestEventTrainedIn version → newest event timestamp in its training, empty when unknown */
    FreshnessTracker(LongFunction<OptionalLong> newestEventTrainedIn) {
        this.newestEventTrainedIn = newestEventTrainedIn;
    }

    /** A sampled event entered Kafka at {@code timestampMillis}; calls come in non-decreasing timestamp order. */
    synchronized void produced(long timestampMillis) {
        waiting.addLast(timestampMillis);
    }

    /** The edge agent serves {@code version} at {@code nowMillis} ({@code serving} false: nothing yet). */
    synchronized void observe(boolean serving, long version, long nowMillis) {
        if (!serving || version == lastVersion) {
            return;
        }
        lastVersion = version;
        versionsServed++;
        OptionalLong covered = newestEventTrainedIn.apply(version);
        if (covered.isEmpty()) {
            return;
        }
        while (!waiting.isEmpty() && waiting.peekFirst() <= covered.getAsLong()) {
            long produced = waiting.pollFirst();
            resolved.add(new Resolved(produced, Math.max(0, nowMillis - produced)));
        }
    }

    /** Events resolved since the previous call. */
    synchronized List<Resolved> drainNew() {
        List<Resolved> fresh = List.copyOf(resolved.subList(resolvedReported, resolved.size()));
        resolvedReported = resolved.size();
        return fresh;
    }

    /** Every event resolved so far that was produced at or after {@code fromMillis}. */
    synchronized List<Resolved> resolvedSince(long fromMillis) {
        return resolved.stream().filter(r -> r.producedMillis() >= fromMillis).toList();
    }

    /** Sampled events that no served version has covered yet. */
    synchronized int unresolved() {
        return waiting.size();
    }

    /** Distinct versions the edge agent was seen serving. */
    synchronized long versionsServed() {
        return versionsServed;
    }

    /** The {@code p}-th percentile (0..100, nearest rank) of the freshness values in seconds; NaN when empty. */
    static double percentileSeconds(List<Resolved> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        long[] ms = values.stream().mapToLong(Resolved::freshnessMillis).toArray();
        Arrays.sort(ms);
        int rank = (int) Math.ceil(p / 100.0 * ms.length);
        return ms[Math.max(0, Math.min(ms.length - 1, rank - 1))] / 1000.0;
    }
}
