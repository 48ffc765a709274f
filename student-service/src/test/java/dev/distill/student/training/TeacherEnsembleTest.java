package dev.distill.student.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TeacherEnsembleTest {

    private static final float[] A = {2f, 0f, -1f};
    private static final float[] B = {0f, 1f, 3f};

    @Test
    void weightsSoftenedDistributionsByConfiguredWeights() {
        TeacherEnsemble ensemble = new TeacherEnsemble(Map.of("a", 3.0, "b", 1.0), 0.0, 2f, 3);

        float[] combined = ensemble.combine(Map.of("a", A, "b", B));

        double[] pa = TeacherEnsemble.softmax(A, 2f);
        double[] pb = TeacherEnsemble.softmax(B, 2f);
        for (int c = 0; c < 3; c++) {
            assertThat((double) combined[c]).isCloseTo(0.75 * pa[c] + 0.25 * pb[c], within(1e-6));
        }
        assertThat((double) (combined[0] + combined[1] + combined[2])).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void renormalisesOverTheTeachersPresent() {
        TeacherEnsemble ensemble = new TeacherEnsemble(Map.of("a", 3.0, "b", 1.0), 0.0, 2f, 3);

        float[] onlyB = ensemble.combine(Map.of("b", B));

        double[] pb = TeacherEnsemble.softmax(B, 2f);
        for (int c = 0; c < 3; c++) {
            assertThat((double) onlyB[c]).isCloseTo(pb[c], within(1e-6));
        }
    }

    @Test
    void ignoresUnknownTeachersWithZeroDefaultWeightAndReturnsNullWhenNoneCounts() {
        TeacherEnsemble ensemble = new TeacherEnsemble(Map.of("a", 1.0), 0.0, 1f, 3);

        assertThat(ensemble.combine(Map.of("stranger", B))).isNull();
        assertThat(ensemble.combine(Map.of())).isNull();
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        double[] p = TeacherEnsemble.softmax(new float[] {1000f, 999f, -1000f}, 1f);

        assertThat(p[0]).isCloseTo(1 / (1 + Math.exp(-1)), within(1e-12));
        assertThat(p[2]).isZero();
    }

    @Test
    void rejectsLogitsOfTheWrongLength() {
        TeacherEnsemble ensemble = TeacherEnsemble.uniform(1f, 3);

        assertThatThrownBy(() -> ensemble.combine(Map.of("t", new float[] {1f, 2f})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("teacher 't': expected 3 logits, got 2");
    }
}
