package dev.distill.deploy.bench.pipeline;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the replay process reported in its closing {@code replay-summary ...} line. */
record ReplaySummary(long events, long labels, long sendErrors, double eventsPerSecond, long startedAtMillis) {

    private static final Pattern LINE = Pattern.compile("replay-summary events=(\\d+) labels=(\\d+) labels_unsent=\\d+ "
            + "send_errors=(\\d+) events_per_s=([0-9.]+) started_at_ms=(\\d+)");

    /** The last summary line in {@code output}. */
    static ReplaySummary parse(String output) {
        Matcher m = LINE.matcher(output);
        ReplaySummary last = null;
        while (m.find()) {
            last = new ReplaySummary(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Double.parseDouble(m.group(4)), Long.parseLong(m.group(5)));
        }
        if (last == null) {
            throw new IllegalStateException("the replay printed no 'replay-summary ... started_at_ms=...' line");
        }
        return last;
    }
}
