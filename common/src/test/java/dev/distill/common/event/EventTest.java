package dev.distill.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventTest {

    @Test
    void copiesArraysOnTheWayInAndOut() {
        int[] shape = {2, 2};
        float[] features = {0f, 0.5f, 1f, 0.25f};
        Event event = new Event("e-1", 1L, shape, features);

        shape[0] = 9;
        features[0] = 9f;
        event.features()[1] = 9f;
        event.shape()[1] = 9;

        assertThat(event.shape()).containsExactly(2, 2);
        assertThat(event.features()).containsExactly(0f, 0.5f, 1f, 0.25f);
    }

    @Test
    void comparesArrayContentsInEqualsAndHashCode() {
        Event a = new Event("e-1", 1L, new int[] {2}, new float[] {1f, 2f});
        Event b = new Event("e-1", 1L, new int[] {2}, new float[] {1f, 2f});

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new Event("e-1", 1L, new int[] {2}, new float[] {1f, 3f}));
        assertThat(a.toString()).contains("e-1", "[2]", "1.0, 2.0");
    }

    @Test
    void rejectsFeatureCountThatDoesNotMatchShape() {
        assertThatThrownBy(() -> new Event("e-1", 1L, new int[] {2, 2}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 4 features, got 3");
    }

    @Test
    void rejectsNaNFeaturesNamingTheIndex() {
        assertThatThrownBy(() -> new Event("e-1", 1L, new int[] {3}, new float[] {0f, 0f, Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features[2] is NaN");
    }

    @Test
    void rejectsBlankIdAndBadDimensions() {
        assertThatThrownBy(() -> new Event(" ", 1L, new int[] {1}, new float[1])).hasMessageContaining("id");
        assertThatThrownBy(() -> new Event("e", 1L, new int[] {0}, new float[0])).hasMessageContaining("shape[0]");
        assertThatThrownBy(() -> new Event("e", -1L, new int[] {1}, new float[1])).hasMessageContaining("timestamp");
    }
}
