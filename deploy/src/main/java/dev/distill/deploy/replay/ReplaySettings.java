package dev.distill.deploy.replay;

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
 */
public record ReplaySettings(Split split, double eventsPerSecond, int maxEvents, Duration duration,
        Duration labelDelay, double labelFraction, Encoding encoding, String runId, long seed) {

    public ReplaySettings {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(labelDelay, "labelDelay");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(runId, "runId");
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("events per second must be > 0, got " + eventsPerSecond);
        }
        if (!(labelFraction >= 0 && labelFraction <= 1)) {
            throw new IllegalArgumentException("label fraction must be in [0, 1], got " + labelFraction);
        }
        if (labelDelay.isNegative()) {
            throw new IllegalArgumentException("label delay must not be negative, got " + labelDelay);
        }
    }

    /** The Kafka key and event id of the {@code index}-th image of the split in this run. */
    public String eventId(int index) {
        return runId + "-" + split.name().toLowerCase(java.util.Locale.ROOT) + "-" + index;
    }
}
