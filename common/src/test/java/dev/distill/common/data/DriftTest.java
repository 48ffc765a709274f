package dev.distill.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DriftTest {

    private static final int SIDE = 28;

    private static float[] randomImage(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] image = new float[SIDE * SIDE];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) random.nextDouble();
        }
        return image;
    }

    private static float[] singlePixel(int row, int col) {
        float[] image = new float[SIDE * SIDE];
        image[row * SIDE + col] = 1f;
        return image;
    }

    @Test
    void rotationByZeroDegreesIsIdentity() {
        float[] image = randomImage(1);

        assertThat(Drift.rotate(image, SIDE, 0)).containsExactly(image);
    }

    @Test
    void rotationByNinetyDegreesMovesPixelCounterClockwise() {
        // Given a lone bright pixel near the top-right corner
        float[] image = singlePixel(2, 20);

        // When rotated 90° counter-clockwise
        float[] rotated = Drift.rotate(image, SIDE, 90);

        // Then it lands at (side-1-col, row): near the top-left corner, and nothing else lights up
        assertThat(rotated[(SIDE - 1 - 20) * SIDE + 2]).isCloseTo(1f, within(1e-6f));
        double total = 0;
        for (float p : rotated) {
            total += p;
        }
        assertThat(total).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void fourQuarterTurnsRestoreTheImage() {
        float[] image = randomImage(2);
        float[] turned = image;
        for (int i = 0; i < 4; i++) {
            turned = Drift.rotate(turned, SIDE, 90);
        }
        for (int i = 0; i < image.length; i++) {
            assertThat(turned[i]).as("pixel %d", i).isCloseTo(image[i], within(1e-5f));
        }
    }

    @Test
    void contrastKeepsPixelsInUnitRangeAndLowersSpread() {
        float[] image = randomImage(3);

        float[] harsh = Drift.contrast(image, 3.0);
        float[] washedOut = Drift.contrast(image, 0.5);

        assertThat(min(harsh)).isGreaterThanOrEqualTo(0f);
        assertThat(max(harsh)).isLessThanOrEqualTo(1f);
        assertThat(min(washedOut)).isGreaterThanOrEqualTo(0f);
        assertThat(max(washedOut)).isLessThanOrEqualTo(1f);
        assertThat(spread(washedOut)).isCloseTo(spread(image) / 2, within(1e-4));
        assertThat(Drift.contrast(image, 1.0)).containsExactly(image);
    }

    private static double spread(float[] image) {
        return max(image) - min(image);
    }

    private static float min(float[] image) {
        float min = Float.POSITIVE_INFINITY;
        for (float p : image) {
            min = Math.min(min, p);
        }
        return min;
    }

    private static float max(float[] image) {
        float max = Float.NEGATIVE_INFINITY;
        for (float p : image) {
            max = Math.max(max, p);
        }
        return max;
    }

    @Test
    void occlusionZeroesExactlyThePatch() {
        float[] image = new float[SIDE * SIDE];
        Arrays.fill(image, 0.7f);

        float[] occluded = Drift.occlude(image, SIDE, 5, 10, 4);

        for (int r = 0; r < SIDE; r++) {
            for (int c = 0; c < SIDE; c++) {
                boolean inPatch = r >= 5 && r < 9 && c >= 10 && c < 14;
                assertThat(occluded[r * SIDE + c]).as("(%d,%d)", r, c).isEqualTo(inPatch ? 0f : 0.7f);
            }
        }
        assertThat(image).as("input untouched").containsOnly(0.7f);
    }

    @Test
    void sameSeedAndKeyGiveSameDriftedImage() {
        float[] image = randomImage(4);
        DriftScenario a = DriftScenario.parse("rotate-contrast-occlude", 42);
        DriftScenario b = DriftScenario.parse(" Rotate-Contrast-Occlude ", 42);

        assertThat(a.apply(image, SIDE, 17)).containsExactly(b.apply(image, SIDE, 17));
        assertThat(a.apply(image, SIDE, 17)).isNotEqualTo(a.apply(image, SIDE, 18));
        assertThat(a.apply(image, SIDE, 17)).isNotEqualTo(DriftScenario.parse(a.name(), 43).apply(image, SIDE, 17));
        assertThat(a.apply(image, SIDE, 17)).isNotEqualTo(image);
    }

    @Test
    void driftedSplitIsReproducibleAndKeepsLabels() {
        byte[] pixels = new byte[3 * SIDE * SIDE];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        LabelledImages clean = new LabelledImages(SIDE, SIDE, pixels, new byte[] {3, 1, 4});

        LabelledImages drifted = DriftScenario.defaultScenario().applyTo(clean);

        assertThat(drifted).isEqualTo(DriftScenario.defaultScenario().applyTo(clean));
        assertThat(drifted).isNotEqualTo(clean);
        assertThat(drifted.labels()).containsExactly(3, 1, 4);
        assertThat(DriftScenario.parse("none", 1).applyTo(clean)).isEqualTo(clean);
    }

    @Test
    void unknownScenarioNamesTheKnownOnes() {
        assertThatThrownBy(() -> DriftScenario.parse("spin", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'spin'")
                .hasMessageContaining("rotate-contrast-occlude");
    }
}
