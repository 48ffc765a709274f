package dev.distill.student.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.student.config.StudentServiceConfig.GateMetric;
import dev.distill.student.training.PrequentialStats;
import org.junit.jupiter.api.Test;

class PublishGateTest {

    private final PublishGate gate = new PublishGate(0.02, 3);

    @Test
    void afterADriftPublishesTheCandidateThatBeatsTheChampionOnTheSameExamples() {
        // Given a drift: the candidate's rolling accuracy (0.5) is far below the last published figure (0.9), but on
        // the same four labels the last published version scores 0.25
        PrequentialStats stats = new PrequentialStats(8);
        int[][] rows = {{1, 1, 1, 0}, {2, 2, 2, 0}, {3, 0, 3, 0}, {4, 0, 4, 4}};
        for (int[] r : rows) {
            stats.recordPrediction(r[0], r[1], r[2], r[3]);
        }

        // When
        PublishGate.Decision d = gate.decide(stats.snapshot(), GateMetric.ACCURACY, 0.9);

        // Then
        assertThat(d.passes()).isTrue();
        assertThat(d.candidate()).isEqualTo(0.5);
        assertThat(d.reason()).contains("0.5000 vs 0.2500", "same 4 labels");
    }

    @Test
    void holdsBackACandidateWorseThanTheChampionOnTheSameExamplesByMoreThanEpsilon() {
        PrequentialStats stats = new PrequentialStats(8);
        int[][] rows = {{1, 0, 1, 1}, {2, 2, 2, 2}, {3, 0, 3, 3}};
        for (int[] r : rows) {
            stats.recordPrediction(r[0], r[1], r[2], r[3]);
        }

        PublishGate.Decision byAccuracy = gate.decide(stats.snapshot(), GateMetric.ACCURACY, Double.NaN);
        PublishGate.Decision byAgreement = gate.decide(stats.snapshot(), GateMetric.AGREEMENT, Double.NaN);

        assertThat(byAccuracy.passes()).isFalse();
        assertThat(byAgreement.passes()).isFalse();
        assertThat(byAgreement.reason()).startsWith("agreement 0.3333 vs 1.0000");
    }

    @Test
    void withoutEnoughExamplesScoredByAChampionComparesWithTheLastPublishedFigure() {
        // Given two paired examples (fewer than the minimum of 3) among four labels
        PrequentialStats stats = new PrequentialStats(8);
        stats.recordPrediction(1, 1, 1);
        stats.recordPrediction(2, 2, 2);
        stats.recordPrediction(3, 3, 3, 0);
        stats.recordPrediction(4, 0, 4, 4);

        // Then the rolling accuracy, 0.75, is compared with the figure at the last publish
        assertThat(gate.decide(stats.snapshot(), GateMetric.ACCURACY, 0.76).passes()).isTrue();
        assertThat(gate.decide(stats.snapshot(), GateMetric.ACCURACY, 0.8).passes()).isFalse();
        assertThat(gate.decide(stats.snapshot(), GateMetric.ACCURACY, Double.NaN).reason())
                .contains("over 4 labels vs NaN when the last version was published");
    }

    @Test
    void neverPublishesBeforeTheWindowHoldsTheMinimumOfLabels() {
        PrequentialStats stats = new PrequentialStats(8);
        stats.recordPrediction(1, 1, 1);

        assertThat(gate.decide(stats.snapshot(), GateMetric.ACCURACY, Double.NaN).passes()).isFalse();
    }
}
