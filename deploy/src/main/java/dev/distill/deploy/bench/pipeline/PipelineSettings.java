package dev.distill.deploy.bench.pipeline;

import dev.distill.common.serde.Encoding;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How {@code ./distill bench pipeline} runs.
 *
 * @param events              events per pass (at most the 60 000 images of the training split)
 * @param labelDelayEvents    a label follows its event by this many events
 * @param labelFraction       share of events that get a label
 * @param teacherModel        a TorchScript teacher; {@code null} for the cached {@code teacherArchitecture}
 * @param teacherArchitecture registry architecture trained on first use when no {@code teacherModel} is given
 * @param bootstrapServers    an external cluster; {@code null} starts the embedded broker
 * @param stallTimeout        a stage that makes no progress for this long fails the bench (start-up included)
 * @param overrides           {@code -s} settings, each passed to the services whose configuration declares it
 */
public record PipelineSettings(int events, int labelDelayEvents, double labelFraction, Encoding encoding,
        Path teacherModel, String teacherArchitecture, int teacherEpochs, String bootstrapServers,
        Duration stallTimeout, Map<String, String> overrides) {

    public static final int DEFAULT_EVENTS = 60_000;
    public static final int DEFAULT_LABEL_DELAY_EVENTS = 5_000;
    public static final String DEFAULT_TEACHER = "mlp:784-512-256-10";
    /** Images in the Fashion-MNIST training split, which each pass replays from its start. */
    static final int MAX_EVENTS = 60_000;

    public PipelineSettings {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        overrides = Map.copyOf(overrides);
        if (events < 1 || events > MAX_EVENTS) {
            throw new IllegalArgumentException("--events must be between 1 and " + MAX_EVENTS
                    + " (the training split's images), got " + events);
        }
        if (labelDelayEvents < 0) {
            throw new IllegalArgumentException("--label-delay-events must be >= 0, got " + labelDelayEvents);
        }
        if (!(labelFraction >= 0 && labelFraction <= 1)) {
            throw new IllegalArgumentException("--label-fraction must be in [0, 1], got " + labelFraction);
        }
    }
}
