package dev.distill.deploy.replay;

/**
 * Counts of one replay so far. Labels that were scheduled but not yet sent when the replay stopped are
 * reported as {@code labelsUnsent}, never silently forgotten.
 */
public record ReplayStats(long eventsSent, long labelsSent, long labelsPending, long labelsUnsent,
        long sendErrors, long elapsedMillis) {

    public double eventsPerSecond() {
        return elapsedMillis == 0 ? 0 : eventsSent * 1000.0 / elapsedMillis;
    }
}
