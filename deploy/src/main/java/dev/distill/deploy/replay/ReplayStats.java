package dev.distill.deploy.replay;

/**
 * Counts of one replay so far. Labels that were scheduled but not yet sent when the replay stopped are
 * reported as {@code labelsUnsent}, never silently forgotten.
 *
 * @param startedAtMillis wall-clock time (epoch ms) the replay began sending, 0 before; a benchmark that runs the
 *                        replay as another process measures end-to-end time from it
 */
public record ReplayStats(long eventsSent, long labelsSent, long labelsPending, long labelsUnsent,
        long sendErrors, long elapsedMillis, long eventPhaseMillis, long startedAtMillis) {

    /** Event rate while events were being sent (the label drain after the last event does not count). */
    public double eventsPerSecond() {
        return eventPhaseMillis == 0 ? 0 : eventsSent * 1000.0 / eventPhaseMillis;
    }
}
