package dev.distill.student.metrics;

import dev.distill.common.metrics.MetricNames;
import dev.distill.student.training.PrequentialStats;
import dev.distill.student.training.TrainStepResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trainer's meters, tagged {@code model=<student.model.name>}: examples, step time, loss, the rolling prequential
 * gauges (read from {@link PrequentialStats}), lag, checkpoints and the published version.
 */
public final class TrainerMetrics {

    /** Value of the {@code teacher} tag of the teacher-accuracy gauge: the combined ensemble. */
    public static final String ENSEMBLE = "ensemble";

    private final MeterRegistry registry;
    private final Counter softExamples;
    private final Counter labelledExamples;
    private final Timer step;
    private final DistributionSummary softLoss;
    private final DistributionSummary hardLoss;
    private final Counter published;
    private final Counter heldBack;
    private final DistributionSummary checkpointSize;
    private final Timer checkpointSave;
    private final AtomicLong lag = new AtomicLong();
    private final AtomicLong version = new AtomicLong(-1);
    private final PrequentialStats stats;

    public TrainerMetrics(MeterRegistry registry, String model, PrequentialStats stats) {
        this.registry = registry;
        this.stats = stats;
        this.softExamples = MetricNames.STUDENT_EXAMPLES.counter(registry, "model", model, "kind", "soft");
        this.labelledExamples = MetricNames.STUDENT_EXAMPLES.counter(registry, "model", model, "kind", "labelled");
        this.step = MetricNames.STUDENT_TRAIN_STEP.timer(registry, "model", model);
        this.softLoss = MetricNames.STUDENT_LOSS.summary(registry, "model", model, "component", "soft");
        this.hardLoss = MetricNames.STUDENT_LOSS.summary(registry, "model", model, "component", "hard");
        this.published = MetricNames.CHECKPOINTS.counter(registry, "model", model, "outcome", "published");
        this.heldBack = MetricNames.CHECKPOINTS.counter(registry, "model", model, "outcome", "held_back");
        this.checkpointSize = MetricNames.CHECKPOINT_SIZE.summary(registry, "model", model);
        this.checkpointSave = MetricNames.STUDENT_CHECKPOINT_SAVE.timer(registry, "model", model);
        MetricNames.STUDENT_ACCURACY.gauge(registry, stats, s -> s.snapshot().studentAccuracy(), "model", model);
        MetricNames.TEACHER_ACCURACY.gauge(registry, stats, s -> s.snapshot().teacherAccuracy(), "model", model,
                "teacher", ENSEMBLE);
        MetricNames.STUDENT_AGREEMENT.gauge(registry, stats, s -> s.snapshot().agreement(), "model", model);
        MetricNames.STUDENT_PUBLISHED_ACCURACY.gauge(registry, stats, s -> s.snapshot().champion().championAccuracy(),
                "model", model);
        MetricNames.STUDENT_EXAMPLES_LAG.gauge(registry, lag, AtomicLong::get, "model", model);
        MetricNames.CHECKPOINT_VERSION.gauge(registry, version, AtomicLong::get, "model", model);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void examples(int soft, int labelled) {
        softExamples.increment(soft);
        labelledExamples.increment(labelled);
    }

    public void stepped(TrainStepResult result, long nanos) {
        step.record(nanos, TimeUnit.NANOSECONDS);
        softLoss.record(result.softLoss());
        hardLoss.record(result.hardLoss());
    }

    public void lag(long examples) {
        lag.set(examples);
    }

    public void checkpointSaved(long nanos) {
        checkpointSave.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void published(long publishedVersion, int artifactBytes) {
        published.increment();
        version.set(publishedVersion);
        checkpointSize.record(artifactBytes);
    }

    public void heldBack() {
        heldBack.increment();
    }

    public void lastPublishedVersion(long v) {
        version.set(v);
    }

    public PrequentialStats stats() {
        return stats;
    }
}
