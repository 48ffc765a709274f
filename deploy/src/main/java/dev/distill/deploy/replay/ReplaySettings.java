package dev.distill.deploy.replay;

import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.Split;
import dev.distill.common.serde.Encoding;
import java.time.Duration;
import java.util.Objects;

/**
 * What a replay sends: which split, how fast, how many, and how labels trail the events.
 *
 * @param split         Fashion-MNIST split to replay
 * @param eventsPerSecond target event rate, {@code > 0}
 * @param maxEvents     stop after this many events ({@code <= 0}: the whole split)
 * @param duration      stop after this long ({@code null}: no limit)
 * @param labelDelay    time between an event and its label
 * @param labelFraction fraction of events that ever get a label, in [0, 1]
 * @param encoding      event value encoding
 * @param runId         prefix of event ids, unique per run so that replays do not collide
 * @param seed          seeds which events get a label
 * @param drift         transform applied to the events from the drift point on ({@code NONE}: a steady stream)
 * @param driftAt       where the drift starts, as a fraction of the events the run will send (in [0, 1])
 * @param labelDelayEvents when {@code >= 0}, a label follows its event by this many events instead of by
 *                      {@code labelDelay}, so a run at full speed is the same stream every time (labels still due
 *                      when the events end are sent right after the last one); {@code -1}: labels follow by time
 */
public record ReplaySettings(Split split, double eventsPerSecond, int maxEvents, Duration duration,
        Duration labelDelay, double labelFraction, Encoding encoding, String runId, long seed, DriftScenario drift,
        double driftAt, int labelDelayEvents) {

    /** Labels follow their events by {@code labelDelay} (time). */
    public ReplaySettings(Split split, double eventsPerSecond, int maxEvents, Duration duration, Duration labelDelay,
            double labelFraction, Encoding encoding, String runId, long seed, DriftScenario drift, double driftAt) {
        this(split, eventsPerSecond, maxEvents, duration, labelDelay, labelFraction, encoding, runId, seed, drift,
                driftAt, -1);
    }

    /** A steady stream: no drift. */
    public ReplaySettings(Split split, double eventsPerSecond, int maxEvents, Duration duration, Duration labelDelay,
            double labelFraction, Encoding encoding, String runId, long seed) {
        this(split, eventsPerSecond, maxEvents, duration, labelDelay, labelFraction, encoding, runId, seed,
                new DriftScenario(DriftScenario.Kind.NONE, 0), 1.0);
    }

    public ReplaySettings {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(labelDelay, "labelDelay");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(drift, "drift (use kind NONE for a steady stream)");
        if (!(driftAt >= 0 && driftAt <= 1)) {
            throw new IllegalArgumentException("drift point must be a fraction of the stream in [0, 1], got " + driftAt);
        }
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("events per second must be > 0, got " + eventsPerSecond);
        }
        if (!(labelFraction >= 0 && labelFraction <= 1)) {
            throw new IllegalArgumentException("label fraction must be in [0, 1], got " + labelFraction);
        }
        if (labelDelay.isNegative()) {
            throw new IllegalArgumentException("label delay must not be negative, got " + labelDelay);
        }
        if (labelDelayEvents < -1) {
            throw new IllegalArgumentException("label delay in events must be >= 0 (or -1 for a delay in time), got "
                    + labelDelayEvents);
        }
    }

    /** Whether labels follow their events by a count of events rather than by time. */
    public boolean labelsDelayedByEvents() {
        return labelDelayEvents >= 0;
    }

    /** Whether the stream drifts at all. */
    public boolean drifts() {
        return drift.kind() != DriftScenario.Kind.NONE;
    }

    /**
     * Index of the first drifted event when {@code available} images could be sent: {@link #driftAt()} of the
     * events this run plans to send (limited by the split, {@link #maxEvents()} and {@link #duration()} at the
     * target rate); {@link Integer#MAX_VALUE} for a steady stream.
     */
    public int firstDriftedIndex(int available) {
        if (!drifts()) {
            return Integer.MAX_VALUE;
        }
        long planned = maxEvents > 0 ? Math.min(maxEvents, available) : available;
        if (duration != null) {
            planned = Math.min(planned, (long) Math.floor(duration.toMillis() / 1000.0 * eventsPerSecond));
        }
        return (int) Math.floor(driftAt * planned);
    }

    /** The Kafka key and event id of the {@code index}-th image of the split in this run. */
    public String eventId(int index) {
        return runId + "-" + split.name().toLowerCase(java.util.Locale.ROOT) + "-" + index;
    }
}
