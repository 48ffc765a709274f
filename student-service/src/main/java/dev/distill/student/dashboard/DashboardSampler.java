package dev.distill.student.dashboard;

import dev.distill.common.metrics.MetricNames;
import dev.distill.student.metrics.TrainerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a bounded in-memory time series of the student's key meters for the live dashboard: reads the registry every
 * interval (so it needs no hook in the trainer) and keeps the newest {@code capacity} samples. Counters become
 * per-second rates and loss summaries become interval means, computed from the difference to the previous sample.
 */
public final class DashboardSampler implements AutoCloseable {

    /** 2 s × 1800 = the last hour. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final int DEFAULT_CAPACITY = 1800;

    private static final Logger LOG = LoggerFactory.getLogger(DashboardSampler.class);

    private final MeterRegistry registry;
    private final Clock clock;
    private final int capacity;
    private final Duration interval;
    private final ArrayDeque<DashboardSample> samples = new ArrayDeque<>();
    private Totals previous;
    private ScheduledExecutorService scheduler;

    /** Cumulative values the next sample's rates and means are computed against. */
    private record Totals(long millis, double examples, double labels, double softSum, double softCount,
            double hardSum, double hardCount) {}

    public DashboardSampler(MeterRegistry registry, Clock clock, Duration interval, int capacity) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("dashboard sampling interval must be > 0, got " + interval);
        }
        if (capacity < 2) {
            throw new IllegalArgumentException("dashboard must keep at least 2 samples, got " + capacity);
        }
        this.interval = interval;
        this.capacity = capacity;
    }

    /** Samples now and then every interval on a daemon thread, until {@link #close()}. */
    public synchronized DashboardSampler start() {
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "student-dashboard-sampler");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleAtFixedRate(this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    public Duration interval() {
        return interval;
    }

    /** Takes one sample now, adds it to the series (dropping the oldest beyond capacity) and returns it. */
    public synchronized DashboardSample sample() {
        long now = clock.millis();
        DistributionSummary soft = registry.find(MetricNames.STUDENT_LOSS.meterName()).tag("component", "soft")
                .summary();
        DistributionSummary hard = registry.find(MetricNames.STUDENT_LOSS.meterName()).tag("component", "hard")
                .summary();
        Totals t = new Totals(now,
                sum(registry.find(MetricNames.STUDENT_EXAMPLES.meterName()).counters()),
                sum(registry.find(MetricNames.LABELS.meterName()).tag("outcome", "joined").counters()),
                soft == null ? 0 : soft.totalAmount(), soft == null ? 0 : soft.count(),
                hard == null ? 0 : hard.totalAmount(), hard == null ? 0 : hard.count());
        Totals p = previous;
        double seconds = p == null ? Double.NaN : (t.millis - p.millis) / 1000.0;
        double version = gauge(registry.find(MetricNames.CHECKPOINT_VERSION.meterName()));
        DashboardSample s = new DashboardSample(now,
                gauge(registry.find(MetricNames.STUDENT_ACCURACY.meterName())),
                teacherAccuracy(),
                gauge(registry.find(MetricNames.STUDENT_PUBLISHED_ACCURACY.meterName())),
                gauge(registry.find(MetricNames.STUDENT_AGREEMENT.meterName())),
                p == null ? Double.NaN : ratio(t.softSum - p.softSum, t.softCount - p.softCount),
                p == null ? Double.NaN : ratio(t.hardSum - p.hardSum, t.hardCount - p.hardCount),
                seconds > 0 ? (t.examples - p.examples) / seconds : Double.NaN,
                seconds > 0 ? (t.labels - p.labels) / seconds : Double.NaN,
                version < 0 ? Double.NaN : version, // the trainer says -1 before its first publication
                sum(registry.find(MetricNames.CHECKPOINTS.meterName()).tag("outcome", "published").counters()),
                sum(registry.find(MetricNames.CHECKPOINTS.meterName()).tag("outcome", "held_back").counters()),
                fleet());
        previous = t;
        samples.addLast(s);
        while (samples.size() > capacity) {
            samples.removeFirst();
        }
        return s;
    }

    /** The kept samples, oldest first. */
    public synchronized List<DashboardSample> samples() {
        return new ArrayList<>(samples);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            // a meter read must never stop the sampling thread: the next tick tries again
            LOG.warn("dashboard sample failed: {}", e.toString());
        }
    }

    private double teacherAccuracy() {
        Gauge ensemble = registry.find(MetricNames.TEACHER_ACCURACY.meterName()).tag("teacher", TrainerMetrics.ENSEMBLE)
                .gauge();
        return ensemble != null ? ensemble.value() : gauge(registry.find(MetricNames.TEACHER_ACCURACY.meterName()));
    }

    private Map<String, Long> fleet() {
        Map<String, Long> versions = new HashMap<>();
        for (Gauge g : registry.find(MetricNames.EDGE_FLEET_DEVICES.meterName()).gauges()) {
            String version = g.getId().getTag("version");
            double devices = g.value();
            if (version != null && devices > 0) {
                versions.merge(version, (long) devices, Long::sum);
            }
        }
        return versions;
    }

    private static double gauge(Search search) {
        Gauge g = search.gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static double sum(Collection<Counter> counters) {
        double total = 0;
        for (Counter c : counters) {
            total += c.count();
        }
        return total;
    }

    private static double ratio(double amount, double count) {
        return count > 0 ? amount / count : Double.NaN;
    }
}
