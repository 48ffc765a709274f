package dev.distill.student.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.common.metrics.DistillMeterRegistries;
import dev.distill.common.metrics.MetricNames;
import dev.distill.student.metrics.TrainerMetrics;
import dev.distill.student.training.PrequentialStats;
import dev.distill.student.training.TrainStepResult;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DashboardSamplerTest {

    private final PrometheusMeterRegistry registry = DistillMeterRegistries.bare("student");
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T20:00:00Z"));

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void turnsCountersIntoPerSecondRatesAndLossSummariesIntoIntervalMeans() {
        // Given the student's meters and a first sample as the baseline
        MetricNames.STUDENT_EXAMPLES.counter(registry, "model", "student", "kind", "soft").increment(100);
        MetricNames.STUDENT_LOSS.summary(registry, "model", "student", "component", "soft").record(9);
        MetricNames.LABELS.counter(registry, "outcome", "joined").increment(10);
        DashboardSampler sampler = new DashboardSampler(registry, clock, Duration.ofSeconds(2), 10);
        DashboardSample first = sampler.sample();

        // When 2 s pass with 60 soft and 40 labelled examples, 20 joined labels and two soft steps (loss 1 and 3)
        clock.advance(Duration.ofSeconds(2));
        MetricNames.STUDENT_EXAMPLES.counter(registry, "model", "student", "kind", "soft").increment(60);
        MetricNames.STUDENT_EXAMPLES.counter(registry, "model", "student", "kind", "labelled").increment(40);
        MetricNames.LABELS.counter(registry, "outcome", "joined").increment(20);
        MetricNames.STUDENT_LOSS.summary(registry, "model", "student", "component", "soft").record(1);
        MetricNames.STUDENT_LOSS.summary(registry, "model", "student", "component", "soft").record(3);
        DashboardSample second = sampler.sample();

        // Then the first sample has no rates (nothing to compare with) and the second has the interval's figures
        assertThat(first.examplesPerSecond()).isNaN();
        assertThat(first.softLoss()).isNaN();
        assertThat(second.examplesPerSecond()).isEqualTo(50.0);
        assertThat(second.labelsPerSecond()).isEqualTo(10.0);
        assertThat(second.softLoss()).isEqualTo(2.0);
        assertThat(second.hardLoss()).as("no hard steps in the interval").isNaN();
        assertThat(second.epochMillis() - first.epochMillis()).isEqualTo(2000);
    }

    @Test
    void readsAccuracyAgreementVersionAndGateCountsFromTheTrainerMeters() {
        // Given the trainer's real meters after two labelled steps and one published, one held-back checkpoint
        PrequentialStats stats = new PrequentialStats(100);
        TrainerMetrics metrics = new TrainerMetrics(registry, "student", stats);
        stats.recordPrediction(3, 3, 3);
        stats.recordPrediction(1, 2, 2);
        metrics.stepped(new TrainStepResult(1, 4, 2.0f, 0.5f, 1.5f, 2, 2), 1_000_000);
        DashboardSampler sampler = new DashboardSampler(registry, clock, Duration.ofSeconds(2), 10);
        DashboardSample before = sampler.sample();
        metrics.published(7, 1000);
        metrics.heldBack();

        // When it samples again
        clock.advance(Duration.ofSeconds(2));
        DashboardSample after = sampler.sample();

        // Then the gauges come through unchanged and the version appears only once something was published
        assertThat(before.checkpointVersion()).as("-1 before the first publication reads as unknown").isNaN();
        assertThat(after.studentAccuracy()).isEqualTo(stats.snapshot().studentAccuracy());
        assertThat(after.teacherAccuracy()).isEqualTo(stats.snapshot().teacherAccuracy());
        assertThat(after.agreement()).isEqualTo(stats.snapshot().agreement());
        assertThat(after.checkpointVersion()).isEqualTo(7.0);
        assertThat(after.published()).isEqualTo(1.0);
        assertThat(after.heldBack()).isEqualTo(1.0);
    }

    @Test
    void countsFleetDevicesPerVersionAndSkipsVersionsWithNoDevices() {
        // Given fleet gauges as FleetView registers them
        AtomicLong v2 = new AtomicLong(3);
        AtomicLong v3 = new AtomicLong(0);
        MetricNames.EDGE_FLEET_DEVICES.gauge(registry, v2, AtomicLong::get, "model", "student", "version", "v2");
        MetricNames.EDGE_FLEET_DEVICES.gauge(registry, v3, AtomicLong::get, "model", "student", "version", "v3");

        // When sampled
        DashboardSample s = new DashboardSampler(registry, clock, Duration.ofSeconds(2), 10).sample();

        // Then only versions with devices appear
        assertThat(s.fleet()).isEqualTo(Map.of("v2", 3L));
    }

    @Test
    void keepsOnlyTheNewestSamplesUpToItsCapacity() {
        // Given a sampler that keeps 3 samples
        DashboardSampler sampler = new DashboardSampler(registry, clock, Duration.ofSeconds(2), 3);

        // When it samples 5 times, 1 s apart
        for (int i = 0; i < 5; i++) {
            sampler.sample();
            clock.advance(Duration.ofSeconds(1));
        }

        // Then the 3 newest remain, oldest first
        assertThat(sampler.samples()).extracting(DashboardSample::epochMillis).containsExactly(
                clock.start + 2000, clock.start + 3000, clock.start + 4000);
    }

    @Test
    void samplesOnItsOwnThreadOnceStarted() throws Exception {
        // Given a started sampler with a short interval on the real clock
        try (DashboardSampler sampler = new DashboardSampler(registry, Clock.systemUTC(), Duration.ofMillis(20), 100)
                .start()) {
            // Then samples accumulate without anyone calling sample()
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> sampler.samples().size() >= 3);
        }
    }

    /** A clock a test moves by hand. */
    static final class MutableClock extends Clock {
        final long start;
        private long millis;

        MutableClock(Instant start) {
            this.start = start.toEpochMilli();
            this.millis = this.start;
        }

        void advance(Duration d) {
            millis += d.toMillis();
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException("fixed to UTC");
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }
}
