package dev.distill.teacher.metrics;

import dev.distill.common.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** The teacher's meters, all declared in {@link MetricNames}; tags are the teacher id and the model version. */
public final class TeacherMetrics {

    private final MeterRegistry registry;
    private final String teacherId;
    private final Map<String, Timer> inferenceByVersion = new ConcurrentHashMap<>();
    private final DistributionSummary batchSize;
    private final Counter scored;
    private final Counter deadLettered;
    private final Timer latency;
    private final Counter committed;
    private final Counter aborted;
    private final Counter reloadsSwapped;
    private final Counter reloadsFailed;

    public TeacherMetrics(MeterRegistry registry, String teacherId) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.teacherId = Objects.requireNonNull(teacherId, "teacherId");
        this.batchSize = MetricNames.TEACHER_BATCH_SIZE.summary(registry, "teacher", teacherId);
        this.scored = MetricNames.TEACHER_EVENTS.counter(registry, "teacher", teacherId, "outcome", "scored");
        this.deadLettered = MetricNames.TEACHER_EVENTS.counter(registry, "teacher", teacherId, "outcome", "dead_lettered");
        this.latency = MetricNames.TEACHER_LATENCY.timer(registry, "teacher", teacherId);
        this.committed = MetricNames.TEACHER_TRANSACTIONS.counter(registry, "teacher", teacherId, "outcome", "committed");
        this.aborted = MetricNames.TEACHER_TRANSACTIONS.counter(registry, "teacher", teacherId, "outcome", "aborted");
        this.reloadsSwapped = MetricNames.TEACHER_MODEL_RELOADS.counter(registry, "teacher", teacherId, "outcome", "swapped");
        this.reloadsFailed = MetricNames.TEACHER_MODEL_RELOADS.counter(registry, "teacher", teacherId, "outcome", "failed");
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void inference(String modelVersion, long nanos, int batch) {
        inferenceByVersion.computeIfAbsent(modelVersion,
                v -> MetricNames.TEACHER_INFERENCE.timer(registry, "model", v, "teacher", teacherId))
                .record(Duration.ofNanos(nanos));
        batchSize.record(batch);
    }

    /** After a commit: what it made visible. */
    public void committed(int scoredEvents, int deadLetters) {
        committed.increment();
        scored.increment(scoredEvents);
        deadLettered.increment(deadLetters);
    }

    public void latencyMillis(long millis) {
        latency.record(Duration.ofMillis(Math.max(0, millis)));
    }

    public void aborted() {
        aborted.increment();
    }

    public void modelSwapped() {
        reloadsSwapped.increment();
    }

    public void modelReloadFailed() {
        reloadsFailed.increment();
    }

    public double scoredCount() {
        return scored.count();
    }
}
