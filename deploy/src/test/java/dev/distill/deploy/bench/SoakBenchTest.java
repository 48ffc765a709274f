package dev.distill.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The soak benchmark's arithmetic: freshness resolution, percentiles, the trend and the flatness check. */
class SoakBenchTest {

    @Test
    void resolvesAnEventWhenTheEdgeFirstServesAVersionTrainedOnIt() {
        // Given versions 1 and 2 trained up to events stamped 1000 and 2000
        Map<Long, Long> newest = new HashMap<>(Map.of(1L, 1000L, 2L, 2000L));
        FreshnessTracker tracker = new FreshnessTracker(v -> newest.containsKey(v)
                ? OptionalLong.of(newest.get(v)) : OptionalLong.empty());
        tracker.produced(500);
        tracker.produced(1500);
        tracker.produced(2500);

        // When the edge serves nothing, then v1 at 4000, v1 again, then v2 at 7000
        tracker.observe(false, 0, 3000);
        tracker.observe(true, 1, 4000);
        tracker.observe(true, 1, 5000);
        tracker.observe(true, 2, 7000);

        // Then each event is resolved by the first version covering it, and the newest waits
        assertThat(tracker.drainNew()).containsExactly(new FreshnessTracker.Resolved(500, 3500),
                new FreshnessTracker.Resolved(1500, 5500));
        assertThat(tracker.drainNew()).isEmpty();
        assertThat(tracker.unresolved()).isEqualTo(1);
        assertThat(tracker.versionsServed()).isEqualTo(2);
        assertThat(tracker.resolvedSince(1000)).containsExactly(new FreshnessTracker.Resolved(1500, 5500));
    }

    @Test
    void percentilesUseTheNearestRankInSeconds() {
        List<FreshnessTracker.Resolved> values = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            values.add(new FreshnessTracker.Resolved(i, i * 100L));
        }
        assertThat(FreshnessTracker.percentileSeconds(values, 50)).isEqualTo(5.0);
        assertThat(FreshnessTracker.percentileSeconds(values, 99)).isEqualTo(9.9);
        assertThat(FreshnessTracker.percentileSeconds(List.of(), 50)).isNaN();
    }

    @Test
    void flagsResidentMemoryThatGrowsMoreThanTheLimitAfterWarmUp() {
        // Given a warm-up of 2 minutes, then memory from 1000 MB rising to 1150 MB
        SoakSettings settings = new SoakSettings(Duration.ofMinutes(6), 100, Duration.ofMinutes(1),
                Duration.ofMinutes(2), Duration.ofSeconds(5), 0.3, 10);
        List<SoakSample> growing = samples(500, 900, 1000, 1050, 1100, 1120, 1150);
        List<SoakSample> flat = samples(500, 900, 1000, 1020, 990, 1030, 1010);

        // When the trend is computed
        SoakBench.Trend up = SoakBench.Trend.of(growing, settings);
        SoakBench.Trend level = SoakBench.Trend.of(flat, settings);

        // Then the warm-up samples are left out, and only the growing run fails the 10 % check
        assertThat(up.rssWarmMb()).isEqualTo(1000);
        assertThat(up.rssGrowthPct()).isCloseTo(15.0, offset(1e-9));
        assertThat(up.rssFlat()).isFalse();
        assertThat(up.text()).contains("GROWING");
        assertThat(level.rssGrowthPct()).isCloseTo(3.0, offset(1e-9));
        assertThat(level.rssFlat()).isTrue();
        assertThat(up.outsideHeapGrowthPct()).as("heap committed stays at 400 MB: all growth is outside it")
                .isCloseTo(25.0, offset(1e-9));
        assertThat(SoakBench.Trend.slopePerMinute(growing.subList(2, 7), SoakSample::rssMb)).isCloseTo(37.0,
                offset(1e-9));
    }

    @Test
    void rejectsSettingsThatCannotSample() {
        assertThatThrownBy(() -> new SoakSettings(Duration.ofSeconds(30), 100, Duration.ofMinutes(1), Duration.ZERO,
                Duration.ofSeconds(5), 0.3, 10)).hasMessageContaining("--sample-every");
        assertThatThrownBy(() -> new SoakSettings(Duration.ofMinutes(5), 0, Duration.ofMinutes(1), Duration.ZERO,
                Duration.ofSeconds(5), 0.3, 10)).hasMessageContaining("rate");
        assertThat(SoakSettings.defaultWarmup(Duration.ofMinutes(30))).isEqualTo(Duration.ofMinutes(5));
        assertThat(SoakSettings.defaultWarmup(Duration.ofMinutes(1))).isEqualTo(Duration.ofSeconds(15));
    }

    private static List<SoakSample> samples(double... rssMb) {
        List<SoakSample> samples = new ArrayList<>();
        for (int i = 0; i < rssMb.length; i++) {
            samples.add(new SoakSample(i * 60.0, rssMb[i], 100, 50, 400, 20, i * 6000L, i * 7000L, 0, 0, 0, i, i,
                    Double.NaN, 0));
        }
        return samples;
    }
}
