package dev.distill.student.training;

import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;

/**
 * The first {@code count} Fashion-MNIST training images as a stream of batches with a fake teacher (softened
 * one-hot-ish logits on the true class): even examples carry teacher targets, every third has no label.
 */
final class SyntheticStream {

    static final int CLASSES = 10;
    private static LabelledImages cached;

    final float[] features;
    final int[] labels;
    final int count;

    SyntheticStream(int count) {
        LabelledImages images = load();
        this.count = count;
        this.features = new float[count * images.imageSize()];
        this.labels = new int[count];
        for (int i = 0; i < count; i++) {
            images.copyImage(i, features, i * images.imageSize());
            labels[i] = images.label(i);
        }
    }

    private static synchronized LabelledImages load() {
        if (cached == null) {
            cached = FashionMnist.load(FashionMnist.DEFAULT_DIR, Split.TRAIN);
        }
        return cached;
    }

    /** Batch {@code index} (wrapping around) of {@code size} examples. */
    Batch batch(int index, int size, float temperature) {
        TeacherEnsemble teacher = TeacherEnsemble.uniform(temperature, CLASSES);
        float[] x = new float[size * 784];
        float[] soft = new float[size * CLASSES];
        boolean[] hasSoft = new boolean[size];
        int[] y = new int[size];
        for (int r = 0; r < size; r++) {
            int e = (int) (((long) index * size + r) % count);
            System.arraycopy(features, e * 784, x, r * 784, 784);
            if (e % 2 == 0) {
                float[] logits = new float[CLASSES];
                logits[labels[e]] = 6f;
                logits[(labels[e] + 1) % CLASSES] = 2f;
                System.arraycopy(teacher.combine(java.util.Map.of("t", logits)), 0, soft, r * CLASSES, CLASSES);
                hasSoft[r] = true;
            }
            y[r] = e % 3 == 0 ? Batch.NO_LABEL : labels[e];
        }
        return new Batch(size, x, soft, hasSoft, y);
    }

    float[] features(int from, int n) {
        float[] out = new float[n * 784];
        System.arraycopy(features, from * 784, out, 0, n * 784);
        return out;
    }
}
