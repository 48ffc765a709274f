package dev.distill.student.topology;

import dev.distill.common.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The join's meters. Counted as records are processed: under exactly-once a transaction that aborts and is retried
 * counts its records again, so the counters may run slightly ahead of what the examples topic holds.
 */
final class JoinMetrics {

    enum Teachers { ALL, PARTIAL, NONE }

    private final MeterRegistry registry;
    final Counter labelsJoined;
    final Counter labelsExpired;
    final Counter labelsDuplicate;
    final Counter labelsUnknown;
    final Timer labelDelay;
    /** One estimate per running task, each updated on its own stream thread; the gauge sums them. */
    private final Set<LongSupplier> pendingPerTask = ConcurrentHashMap.newKeySet();

    JoinMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        labelsJoined = MetricNames.LABELS.counter(registry, "outcome", "joined");
        labelsExpired = MetricNames.LABELS.counter(registry, "outcome", "expired");
        labelsDuplicate = MetricNames.LABELS.counter(registry, "outcome", "duplicate");
        labelsUnknown = MetricNames.LABELS.counter(registry, "outcome", "unknown");
        // buckets, so dashboards can show the delay distribution (p50/p99), not only mean and max
        labelDelay = MetricNames.LABEL_DELAY.histogramTimer(registry, Duration.ofMillis(10), Duration.ofDays(1));
        MetricNames.JOIN_PENDING.gauge(registry, this, JoinMetrics::pending);
    }

    void addPendingSource(LongSupplier source) {
        pendingPerTask.add(source);
    }

    void removePendingSource(LongSupplier source) {
        pendingPerTask.remove(source);
    }

    private double pending() {
        return pendingPerTask.stream().mapToLong(LongSupplier::getAsLong).sum();
    }

    void example(String kind, Teachers teachers) {
        // Micrometer returns the already registered meter for the same name and tags.
        MetricNames.JOIN_EXAMPLES.counter(registry, "kind", kind, "teachers", teachers.name().toLowerCase(Locale.ROOT)).increment();
    }

    void deadLetter(String sourceTopic, String reason) {
        MetricNames.DEAD_LETTERS.counter(registry, "source.topic", sourceTopic, "reason", reason).increment();
    }

    void labelDelay(long millis) {
        labelDelay.record(Duration.ofMillis(Math.max(0, millis)));
    }
}
