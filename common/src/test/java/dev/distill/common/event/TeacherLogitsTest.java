package dev.distill.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TeacherLogitsTest {

    @Test
    void denseFormCarriesAllClasses() {
        TeacherLogits t = TeacherLogits.dense("t1", "v3", 5L, new float[] {1f, -2f, 0.5f});

        assertThat(t.isSparse()).isFalse();
        assertThat(t.numClasses()).isEqualTo(3);
        assertThat(t.toDense()).containsExactly(1f, -2f, 0.5f);
        assertThat(t.topKIndices()).isNull();
    }

    @Test
    void sparseFormExpandsToDenseWithFill() {
        TeacherLogits t = TeacherLogits.sparse("t1", "v3", 5L, 5, new int[] {3, 0}, new float[] {4f, 2f});

        assertThat(t.isSparse()).isTrue();
        assertThat(t.toDense(-100f)).containsExactly(2f, -100f, -100f, 4f, -100f);
        assertThat(t.toDense()).containsExactly(2f, -18f, -18f, 4f, -18f);
    }

    @Test
    void rejectsDuplicateOrOutOfRangeTopKIndices() {
        assertThatThrownBy(() -> TeacherLogits.sparse("t", "v", 0L, 5, new int[] {1, 1}, new float[] {0f, 0f}))
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> TeacherLogits.sparse("t", "v", 0L, 5, new int[] {5}, new float[] {0f}))
                .hasMessageContaining("outside [0, 5)");
    }

    @Test
    void equalityFollowsArrayContents() {
        TeacherLogits a = TeacherLogits.sparse("t", "v", 0L, 5, new int[] {1}, new float[] {2f});
        TeacherLogits b = TeacherLogits.sparse("t", "v", 0L, 5, new int[] {1}, new float[] {2f});

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(TeacherLogits.sparse("t", "v", 0L, 5, new int[] {2}, new float[] {2f}));
    }
}
