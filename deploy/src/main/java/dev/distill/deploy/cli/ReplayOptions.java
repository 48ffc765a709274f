package dev.distill.deploy.cli;

import dev.distill.common.data.Split;
import dev.distill.common.serde.Encoding;
import dev.distill.deploy.replay.ReplaySettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How Fashion-MNIST is replayed as a live stream; shared by {@code local} and {@code replay}. */
public final class ReplayOptions {

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S", defaultValue = "200",
            description = "Events per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--events", paramLabel = "N", defaultValue = "0",
            description = "Stop after N events; 0 replays the whole split (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop sending events after this long, e.g. 90s or 5m (default: no limit).")
    Duration duration;

    @Option(names = "--label-delay", paramLabel = "TIME", defaultValue = "5s", converter = DurationConverter.class,
            description = "How long after its event a label arrives (default: ${DEFAULT-VALUE}).")
    Duration labelDelay;

    @Option(names = "--label-fraction", paramLabel = "F", defaultValue = "0.5",
            description = "Fraction of events that ever get a label, 0..1 (default: ${DEFAULT-VALUE}).")
    double labelFraction;

    @Option(names = "--split", defaultValue = "TRAIN",
            description = "Which Fashion-MNIST split to replay: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Split split;

    @Option(names = "--encoding", defaultValue = "JSON",
            description = "Event encoding: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Encoding encoding;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds which events get labels (default: ${DEFAULT-VALUE}).")
    long seed;

    public ReplaySettings settings() {
        String runId = "r" + Long.toString(System.currentTimeMillis(), 36);
        return new ReplaySettings(split, rate, events, duration, labelDelay, labelFraction, encoding, runId, seed);
    }
}
