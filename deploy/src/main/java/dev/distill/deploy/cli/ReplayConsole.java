package dev.distill.deploy.cli;

import dev.distill.deploy.replay.ReplayStats;
import java.io.PrintStream;
import java.util.Map;
import java.util.function.Supplier;

/** Prints a replay's progress lines and its closing summary table. */
final class ReplayConsole {

    private final PrintStream out;
    private final Supplier<String> status;
    private final Supplier<Map<String, String>> summaryRows;

    /**
     * @param status      the rest of the loop's state, appended to every progress line
     * @param summaryRows the rest of the loop's figures, appended to the summary
     */
    ReplayConsole(PrintStream out, Supplier<String> status, Supplier<Map<String, String>> summaryRows) {
        this.out = out;
        this.status = status;
        this.summaryRows = summaryRows;
    }

    /** A console for a replay alone. */
    static ReplayConsole replayOnly(PrintStream out) {
        return new ReplayConsole(out, () -> "", Map::of);
    }

    void progress(ReplayStats s) {
        String more = status.get();
        out.printf("[%5ds] events %,d (%.0f/s)  labels sent %,d, pending %,d%s%n", s.elapsedMillis() / 1000, s.eventsSent(),
                s.eventsPerSecond(), s.labelsSent(), s.labelsPending(), more.isEmpty() ? "" : "  | " + more);
    }

    /** A progress line while the services catch up after the replay. */
    void draining(long secondsLeft) {
        out.printf("[drain %2ds] %s%n", secondsLeft, status.get());
    }

    void summary(ReplayStats s) {
        out.println();
        out.println("summary");
        row("events sent", String.format("%,d", s.eventsSent()));
        row("event rate", String.format("%.1f/s", s.eventsPerSecond()));
        row("labels sent", String.format("%,d", s.labelsSent()));
        row("labels not sent (stopped early)", String.format("%,d", s.labelsUnsent()));
        row("send errors", String.format("%,d", s.sendErrors()));
        row("elapsed", String.format("%.1f s", s.elapsedMillis() / 1000.0));
        summaryRows.get().forEach(this::row);
        out.printf("replay-summary events=%d labels=%d labels_unsent=%d send_errors=%d events_per_s=%.1f started_at_ms=%d%n",
                s.eventsSent(), s.labelsSent(), s.labelsUnsent(), s.sendErrors(), s.eventsPerSecond(), s.startedAtMillis());
    }

    private void row(String name, String value) {
        out.printf("  %-34s %s%n", name, value);
    }
}
