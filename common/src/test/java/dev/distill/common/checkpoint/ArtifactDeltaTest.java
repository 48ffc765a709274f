package dev.distill.common.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArtifactDeltaTest {

    private static byte[] floats(float[] values, int headerBytes) {
        ByteBuffer b = ByteBuffer.allocate(headerBytes + values.length * 4);
        b.position(headerBytes);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    @Test
    void deltaAppliedToBaseReproducesTargetBitForBitAndIsSmall() {
        Random random = new Random(7);
        float[] base = new float[50_000];
        for (int i = 0; i < base.length; i++) {
            base[i] = (float) random.nextGaussian() * 0.05f;
        }
        float[] next = base.clone();
        for (int i = 0; i < next.length; i += 3) { // an optimiser step touches a share of the weights slightly
            next[i] += (float) random.nextGaussian() * 1e-4f;
        }
        next[17] = Float.NaN; // odd values survive too
        byte[] baseBytes = floats(base, 13);
        byte[] nextBytes = floats(next, 13);

        byte[] delta = ArtifactDelta.create(baseBytes, nextBytes);

        assertThat(ArtifactDelta.apply(baseBytes, delta)).isEqualTo(nextBytes);
        assertThat(delta.length).isLessThan(nextBytes.length / 2);
    }

    @Test
    void handlesTargetsLongerAndShorterThanTheBase() {
        Random random = new Random(3);
        byte[] base = new byte[1001];
        byte[] longer = new byte[1500];
        random.nextBytes(base);
        random.nextBytes(longer);
        byte[] shorter = java.util.Arrays.copyOf(base, 10);

        assertThat(ArtifactDelta.apply(base, ArtifactDelta.create(base, longer))).isEqualTo(longer);
        assertThat(ArtifactDelta.apply(base, ArtifactDelta.create(base, shorter))).isEqualTo(shorter);
        assertThat(ArtifactDelta.apply(base, ArtifactDelta.create(base, new byte[0]))).isEmpty();
    }

    @Test
    void rejectsDeltaAgainstAnotherBaseOrTruncated() {
        byte[] base = {1, 2, 3, 4, 5, 6, 7, 8};
        byte[] target = {1, 2, 3, 4, 5, 6, 7, 9};
        byte[] delta = ArtifactDelta.create(base, target);

        assertThatThrownBy(() -> ArtifactDelta.apply(new byte[] {1, 2, 3, 4, 5, 6, 7, 0}, delta))
                .isInstanceOf(ArtifactDelta.DeltaException.class).hasMessageContaining("another base");
        assertThatThrownBy(() -> ArtifactDelta.apply(base, java.util.Arrays.copyOf(delta, delta.length - 3)))
                .isInstanceOf(ArtifactDelta.DeltaException.class);
    }
}
