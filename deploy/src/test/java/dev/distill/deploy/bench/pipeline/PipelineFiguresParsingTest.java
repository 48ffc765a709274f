package dev.distill.deploy.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parsers and sums the pipeline bench's figures rest on. */
class PipelineFiguresParsingTest {

    @Test
    void sumsOnlyTheNamedSeriesWithTheGivenLabels() {
        // Given Prometheus text with the counter, a series sharing its prefix, and two label values
        String text = String.join("\n",
                "# HELP distill_student_examples_total Training examples consumed",
                "distill_student_examples_total{kind=\"soft\",model=\"student\",service=\"student\"} 1200.0",
                "distill_student_examples_total{kind=\"labelled\",model=\"student\",service=\"student\"} 800.0",
                "distill_student_examples_total_extra{kind=\"soft\"} 5.0",
                "distill_teacher_events_total{outcome=\"scored\",teacher=\"teacher\"} 3000.0");

        // Then each sum counts its own series only
        assertThat(ServiceEndpoint.sum(text, "distill_student_examples_total", "kind", "soft")).isEqualTo(1200);
        assertThat(ServiceEndpoint.sum(text, "distill_student_examples_total")).isEqualTo(2000);
        assertThat(ServiceEndpoint.sum(text, "distill_teacher_events_total", "outcome", "scored")).isEqualTo(3000);
        assertThat(ServiceEndpoint.sum(text, "distill_teacher_events_total", "outcome", "dead_lettered")).isZero();
    }

    @Test
    void readsTheReplaysLastSummaryLine() {
        String output = "[    1s] events 280 (280/s)\nreplay-summary events=2000 labels=1990 labels_unsent=0 "
                + "send_errors=0 events_per_s=1234.5 started_at_ms=1700000000123\n";

        assertThat(ReplaySummary.parse(output))
                .isEqualTo(new ReplaySummary(2000, 1990, 0, 1234.5, 1700000000123L));
        assertThatThrownBy(() -> ReplaySummary.parse("no summary")).hasMessageContaining("replay-summary");
    }

    @Test
    void writeAmplificationCountsEveryTopicButTheProducersOwn() {
        // Given topic growth: events 1000 B, labels 50 B, and what the services wrote
        WriteAmplification w = WriteAmplification.of(Map.of("e", 1000L, "l", 50L, "logits", 40L,
                "join-changelog", 100L, "__consumer_offsets", 10L), "e", "l");

        // Then the labels count on neither side
        assertThat(w.servicesBytes()).isEqualTo(150);
        assertThat(w.ratio()).isEqualTo(0.15);
        assertThat(w.describe()).last().asString().contains("written by teacher + student").contains("0.150");
    }

    @Test
    void brokerGrowthIsTheDifferenceOfTwoSnapshotsAndNewTopicsCountInFull() {
        BrokerLogSizes before = new BrokerLogSizes(Map.of("a", 100L, "b", 7L));
        BrokerLogSizes after = new BrokerLogSizes(Map.of("a", 150L, "b", 7L, "c", 30L));

        assertThat(after.growthSince(before)).isEqualTo(Map.of("a", 50L, "c", 30L));
    }
}
