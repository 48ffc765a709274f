package dev.distill.student.training;

import java.util.Arrays;

/**
 * One training batch of {@code size} examples, row-major: {@code features[size × sampleSize]}, soft targets
 * {@code softTargets[size × classes]} (teacher distribution at the configured temperature, rows where
 * {@code hasSoft[i]} is false are ignored) and hard labels {@code labels[size]} ({@code -1} = no label). Arrays are
 * copied.
 */
public record Batch(int size, float[] features, float[] softTargets, boolean[] hasSoft, int[] labels) {

    /** Marks an example without a ground-truth label. */
    public static final int NO_LABEL = -1;

    public Batch {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + size);
        }
        if (features.length == 0 || features.length % size != 0) {
            throw new IllegalArgumentException("batch of " + size + " examples: features length " + features.length
                    + " is not a positive multiple of " + size);
        }
        if (softTargets.length % size != 0 || softTargets.length == 0) {
            throw new IllegalArgumentException("batch of " + size + " examples: soft targets length "
                    + softTargets.length + " is not a positive multiple of " + size);
        }
        if (hasSoft.length != size || labels.length != size) {
            throw new IllegalArgumentException("batch of " + size + " examples: got " + hasSoft.length
                    + " soft-target flags and " + labels.length + " labels");
        }
        int classes = softTargets.length / size;
        for (int i = 0; i < size; i++) {
            if (labels[i] < NO_LABEL || labels[i] >= classes) {
                throw new IllegalArgumentException("batch example " + i + ": label " + labels[i] + " outside 0.."
                        + (classes - 1) + " (or " + NO_LABEL + " for none)");
            }
        }
        features = features.clone();
        softTargets = softTargets.clone();
        hasSoft = hasSoft.clone();
        labels = labels.clone();
    }

    public int numClasses() {
        return softTargets.length / size;
    }

    @Override
    public float[] features() {
        return features.clone();
    }

    @Override
    public float[] softTargets() {
        return softTargets.clone();
    }

    @Override
    public boolean[] hasSoft() {
        return hasSoft.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    // Package-private views without copies, for the trainer's hot path.
    float[] featuresView() {
        return features;
    }

    float[] softTargetsView() {
        return softTargets;
    }

    boolean[] hasSoftView() {
        return hasSoft;
    }

    int[] labelsView() {
        return labels;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && size == b.size && Arrays.equals(features, b.features)
                && Arrays.equals(softTargets, b.softTargets) && Arrays.equals(hasSoft, b.hasSoft)
                && Arrays.equals(labels, b.labels);
    }

    @Override
    public int hashCode() {
        return 31 * size + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "Batch[" + size + " examples, " + numClasses() + " classes]";
    }
}
