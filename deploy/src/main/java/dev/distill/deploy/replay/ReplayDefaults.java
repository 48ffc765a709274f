package dev.distill.deploy.replay;

import java.time.Duration;

/**
 * The stream shape a scenario uses when the user does not set it: the steady stream of {@code local}, and the drift
 * scenario's, which needs enough events after the drift point for the online student to recover within minutes and
 * few enough labels that the teacher's signal matters (labels are scarce and late in the settings this project is for).
 *
 * @param maxEvents 0 for the whole split
 */
public record ReplayDefaults(double eventsPerSecond, int maxEvents, Duration labelDelay, double labelFraction) {

    public static final ReplayDefaults STEADY = new ReplayDefaults(200, 0, Duration.ofSeconds(5), 0.5);
    public static final ReplayDefaults DRIFT = new ReplayDefaults(200, 28_000, Duration.ofSeconds(5), 0.15);
}
