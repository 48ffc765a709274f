package dev.distill.deploy.cli;

import dev.distill.deploy.replay.ReplayStats;
import java.io.PrintStream;
import java.util.List;

/** Prints a replay's progress lines and its closing summary table. */
final class ReplayConsole {

    private final PrintStream out;
    private final List<String> notYet;

    /** @param notYet parts of the system that are not built yet, named in every line so nobody mistakes silence for health */
    ReplayConsole(PrintStream out, List<String> notYet) {
        this.out = out;
        this.notYet = List.copyOf(notYet);
    }

    void progress(ReplayStats s) {
        out.printf("[%5ds] events %,d (%.0f/s)  labels sent %,d, pending %,d%s%n", s.elapsedMillis() / 1000, s.eventsSent(),
                s.eventsPerSecond(), s.labelsSent(), s.labelsPending(), notYet.isEmpty() ? "" : "  | not in the local stack yet: " + String.join(", ", notYet));
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
        for (String part : notYet) {
            row(part, "not in the local stack yet");
        }
        out.printf("replay-summary events=%d labels=%d labels_unsent=%d send_errors=%d events_per_s=%.1f%n",
                s.eventsSent(), s.labelsSent(), s.labelsUnsent(), s.sendErrors(), s.eventsPerSecond());
    }

    private void row(String name, String value) {
        out.printf("  %-34s %s%n", name, value);
    }
}
