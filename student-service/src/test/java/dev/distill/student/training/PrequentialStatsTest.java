package dev.distill.student.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PrequentialStatsTest {

    @Test
    void reportsRollingAccuracyAgreementAndLossOverTheWindow() {
        PrequentialStats stats = new PrequentialStats(4);
        stats.recordPrediction(1, 0, 1); // evicted later
        stats.recordPrediction(1, 1, 1);
        stats.recordPrediction(2, 2, 3);
        stats.recordPrediction(3, 0, -1); // no teacher
        stats.recordPrediction(4, 4, 4);
        stats.recordLoss(1.0, 2.0);
        stats.recordLoss(3.0, 4.0);

        PrequentialStats.Snapshot s = stats.snapshot();

        assertThat(s.windowExamples()).isEqualTo(4);
        assertThat(s.totalExamples()).isEqualTo(5);
        assertThat(s.studentAccuracy()).isCloseTo(3 / 4.0, within(1e-12));
        assertThat(s.teacherAccuracy()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.agreement()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.softLoss()).isCloseTo(2.0, within(1e-12));
        assertThat(s.hardLoss()).isCloseTo(3.0, within(1e-12));
    }

    @Test
    void comparesStudentAndChampionOnlyOnTheExamplesBothScored() {
        // Given a window of 4: (label, student, teacher, champion)
        PrequentialStats stats = new PrequentialStats(4);
        stats.recordPrediction(5, 5, 5, 0); // evicted later
        stats.recordPrediction(1, 1, 1); // no champion: not paired
        stats.recordPrediction(2, 2, 2, 0); // student right, champion wrong; both with teacher
        stats.recordPrediction(3, 0, -1, 3); // student wrong, champion right; no teacher
        stats.recordPrediction(4, 4, 4, 4); // both right, both agree with the teacher

        // When
        PrequentialStats.Comparison c = stats.snapshot().champion();

        // Then only the last three are paired, two of them with teacher logits
        assertThat(c.examples()).isEqualTo(3);
        assertThat(c.studentAccuracy()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(c.championAccuracy()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(c.teacherExamples()).isEqualTo(2);
        assertThat(c.studentAgreement()).isCloseTo(1.0, within(1e-12));
        assertThat(c.championAgreement()).isCloseTo(0.5, within(1e-12));
        assertThat(stats.snapshot().studentAccuracy()).isCloseTo(3 / 4.0, within(1e-12));
    }

    @Test
    void ratesAreNaNBeforeAnyExample() {
        PrequentialStats.Snapshot s = new PrequentialStats(10).snapshot();

        assertThat(s.studentAccuracy()).isNaN();
        assertThat(s.agreement()).isNaN();
        assertThat(s.champion().examples()).isZero();
        assertThat(s.champion().championAccuracy()).isNaN();
    }
}
