package dev.distill.deploy.cli;

import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.Split;
import dev.distill.common.serde.Encoding;
import dev.distill.deploy.replay.ReplayDefaults;
import dev.distill.deploy.replay.ReplaySettings;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** How Fashion-MNIST is replayed as a live stream; shared by {@code local} and {@code replay}. */
public final class ReplayOptions {

    /** The command this mixin belongs to, so that a bad combination of values is reported as a usage error. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    // No picocli defaults on the stream's shape: they depend on the scenario (see ReplayDefaults).
    @Option(names = "--rate", paramLabel = "EVENTS_PER_S",
            description = "Events per second (default: 200, in both scenarios).")
    Double rate;

    @Option(names = "--events", paramLabel = "N",
            description = "Stop after N events; 0 replays the whole split (default: 0; drift scenario: 28000).")
    Integer events;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop sending events after this long, e.g. 90s or 5m (default: no limit).")
    Duration duration;

    @Option(names = "--label-delay", paramLabel = "TIME", converter = DurationConverter.class,
            description = "How long after its event a label arrives (default: 5s, in both scenarios).")
    Duration labelDelay;

    @Option(names = "--label-delay-events", paramLabel = "N",
            description = "A label arrives N events after its event instead of --label-delay later, so a run at any "
                    + "speed is the same stream; labels still due at the end follow the last event (default: off).")
    Integer labelDelayEvents;

    @Option(names = "--label-fraction", paramLabel = "F",
            description = "Fraction of events that ever get a label, 0..1 (default: 0.5; drift scenario: 0.15).")
    Double labelFraction;

    @Option(names = "--split", defaultValue = "TRAIN",
            description = "Which Fashion-MNIST split to replay: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Split split;

    @Option(names = "--encoding", defaultValue = "BINARY",
            description = "Event encoding: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, the fast one; JSON is "
                    + "what kcat and other tools can write and read).")
    Encoding encoding;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds which events get labels (default: ${DEFAULT-VALUE}).")
    long seed;

    /** A steady stream with the options given, {@link ReplayDefaults#STEADY} for the others. */
    public ReplaySettings settings() {
        return settings(ReplayDefaults.STEADY, new DriftScenario(DriftScenario.Kind.NONE, 0), 1.0);
    }

    /** The stream with the options given and {@code defaults} for the others, drifting by {@code drift} from {@code driftAt} on. */
    public ReplaySettings settings(ReplayDefaults defaults, DriftScenario drift, double driftAt) {
        String runId = "r" + Long.toString(System.currentTimeMillis(), 36);
        try {
            return new ReplaySettings(split, rate != null ? rate : defaults.eventsPerSecond(),
                    events != null ? events : defaults.maxEvents(), duration,
                    labelDelay != null ? labelDelay : defaults.labelDelay(),
                    labelFraction != null ? labelFraction : defaults.labelFraction(), encoding, runId, seed, drift,
                    driftAt, labelDelayEvents != null ? labelDelayEvents : -1);
        } catch (IllegalArgumentException e) {
            if (command == null) {
                throw e;
            }
            throw new ParameterException(command.commandLine(), e.getMessage(), e);
        }
    }
}
