package dev.distill.deploy.bench;

import java.time.Duration;
import java.util.Objects;

/**
 * What a soak run does: how long, how fast, how often it samples, and how long the warm-up lasts before the
 * "resident memory stays flat" check starts.
 *
 * @param duration        how long events are sent
 * @param eventsPerSecond steady event rate, {@code > 0}
 * @param sampleEvery     time between two samples
 * @param warmup          samples before this are warm-up: the flatness check and the freshness percentiles
 *                        leave them out
 * @param labelDelay      time between an event and its label
 * @param labelFraction   fraction of events that get a label, in [0, 1]
 * @param maxRssGrowthPct resident memory may grow at most this much after warm-up for the run to count as flat
 */
public record SoakSettings(Duration duration, double eventsPerSecond, Duration sampleEvery, Duration warmup,
        Duration labelDelay, double labelFraction, double maxRssGrowthPct) {

    public SoakSettings {
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(sampleEvery, "sampleEvery");
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(labelDelay, "labelDelay");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("soak duration must be > 0, got " + duration);
        }
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("soak rate must be > 0 events/s, got " + eventsPerSecond);
        }
        if (sampleEvery.isNegative() || sampleEvery.isZero() || sampleEvery.compareTo(duration) > 0) {
            throw new IllegalArgumentException("--sample-every must be > 0 and at most --duration (" + duration
                    + "), got " + sampleEvery);
        }
        if (warmup.isNegative() || warmup.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("--warmup must be >= 0 and shorter than --duration (" + duration
                    + "), got " + warmup);
        }
        if (!(labelFraction >= 0 && labelFraction <= 1)) {
            throw new IllegalArgumentException("label fraction must be in [0, 1], got " + labelFraction);
        }
        if (!(maxRssGrowthPct >= 0)) {
            throw new IllegalArgumentException("max RSS growth must be >= 0 %, got " + maxRssGrowthPct);
        }
    }

    /** The default warm-up for a run of {@code duration}: a quarter of it, at most five minutes. */
    public static Duration defaultWarmup(Duration duration) {
        Duration quarter = duration.dividedBy(4);
        return quarter.compareTo(Duration.ofMinutes(5)) < 0 ? quarter : Duration.ofMinutes(5);
    }
}
