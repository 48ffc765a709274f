package dev.distill.common.event;

import java.util.Arrays;
import java.util.Objects;

/**
 * One teacher's logits for one event; the Kafka key is the event id.
 *
 * <p>Two forms: <em>dense</em> ({@link #dense}: {@code logits} has {@code numClasses} values, the top-k arrays are
 * null) and <em>sparse top-k</em> ({@link #sparse}: only the k largest logits with their class indices, for large
 * vocabularies; {@code logits} is null). Use {@link #toDense()} to get a full vector either way.
 */
public record TeacherLogits(String teacherId, String modelVersion, long inferenceTimestamp, int numClasses,
                            float[] logits, int[] topKIndices, float[] topKValues) {

    public static final int MAX_NAME_LENGTH = 256;
    /**
     * Gap below the smallest top-k logit used for the classes a sparse record leaves out: at temperature 1 they get
     * at most e^-20 of the weakest kept class's probability, yet stay finite so that a log-softmax never yields NaN.
     */
    public static final float SPARSE_FILL_MARGIN = 20f;

    public TeacherLogits {
        Checks.nonBlank(teacherId, "teacher logits", "teacherId", MAX_NAME_LENGTH);
        Checks.nonBlank(modelVersion, "teacher logits", "modelVersion", MAX_NAME_LENGTH);
        Checks.nonNegative(inferenceTimestamp, "teacher logits", "inferenceTimestamp");
        if (numClasses < 1) {
            throw new IllegalArgumentException("teacher logits.numClasses must be >= 1, got " + numClasses);
        }
        if (logits != null) {
            if (topKIndices != null || topKValues != null) {
                throw new IllegalArgumentException("teacher logits: give either dense logits or top-k, not both");
            }
            logits = logits.clone();
            if (logits.length != numClasses) {
                throw new IllegalArgumentException("teacher logits: numClasses is " + numClasses + " but "
                        + logits.length + " logits were given");
            }
            Checks.finite(logits, "teacher logits", "logits");
        } else {
            if (topKIndices == null || topKValues == null) {
                throw new IllegalArgumentException("teacher logits: need dense logits or both topKIndices and topKValues");
            }
            topKIndices = topKIndices.clone();
            topKValues = topKValues.clone();
            if (topKIndices.length != topKValues.length) {
                throw new IllegalArgumentException("teacher logits: " + topKIndices.length + " topKIndices but "
                        + topKValues.length + " topKValues");
            }
            if (topKIndices.length < 1 || topKIndices.length > numClasses) {
                throw new IllegalArgumentException("teacher logits: top-k size must be in [1, numClasses=" + numClasses
                        + "], got " + topKIndices.length);
            }
            checkIndices(topKIndices, numClasses);
            Checks.finite(topKValues, "teacher logits", "topKValues");
        }
    }

    private static void checkIndices(int[] indices, int numClasses) {
        int[] sorted = indices.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || sorted[i] >= numClasses) {
                throw new IllegalArgumentException("teacher logits: top-k index " + sorted[i] + " is outside [0, "
                        + numClasses + ")");
            }
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("teacher logits: top-k index " + sorted[i] + " appears twice");
            }
        }
    }

    public static TeacherLogits dense(String teacherId, String modelVersion, long inferenceTimestamp, float[] logits) {
        Objects.requireNonNull(logits, "logits");
        return new TeacherLogits(teacherId, modelVersion, inferenceTimestamp, logits.length, logits, null, null);
    }

    public static TeacherLogits sparse(String teacherId, String modelVersion, long inferenceTimestamp, int numClasses,
                                       int[] topKIndices, float[] topKValues) {
        return new TeacherLogits(teacherId, modelVersion, inferenceTimestamp, numClasses, null,
                Objects.requireNonNull(topKIndices, "topKIndices"), Objects.requireNonNull(topKValues, "topKValues"));
    }

    public boolean isSparse() {
        return logits == null;
    }

    /** Number of values carried: {@code numClasses} when dense, k when sparse. */
    public int valueCount() {
        return isSparse() ? topKValues.length : logits.length;
    }

    /** A full vector of {@code numClasses} logits; missing classes of a sparse record get {@code fill}. */
    public float[] toDense(float fill) {
        if (!isSparse()) {
            return logits.clone();
        }
        float[] dense = new float[numClasses];
        Arrays.fill(dense, fill);
        for (int i = 0; i < topKIndices.length; i++) {
            dense[topKIndices[i]] = topKValues[i];
        }
        return dense;
    }

    /** A full vector; missing classes of a sparse record get the smallest kept logit minus {@link #SPARSE_FILL_MARGIN}. */
    public float[] toDense() {
        if (!isSparse()) {
            return logits.clone();
        }
        float min = Float.POSITIVE_INFINITY;
        for (float v : topKValues) {
            min = Math.min(min, v);
        }
        float fill = min - SPARSE_FILL_MARGIN;
        return toDense(Float.isFinite(fill) ? fill : -Float.MAX_VALUE);
    }

    @Override
    public float[] logits() {
        return logits == null ? null : logits.clone();
    }

    @Override
    public int[] topKIndices() {
        return topKIndices == null ? null : topKIndices.clone();
    }

    @Override
    public float[] topKValues() {
        return topKValues == null ? null : topKValues.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TeacherLogits t && inferenceTimestamp == t.inferenceTimestamp && numClasses == t.numClasses
                && teacherId.equals(t.teacherId) && modelVersion.equals(t.modelVersion)
                && Arrays.equals(logits, t.logits) && Arrays.equals(topKIndices, t.topKIndices)
                && Arrays.equals(topKValues, t.topKValues);
    }

    @Override
    public int hashCode() {
        return Objects.hash(teacherId, modelVersion, inferenceTimestamp, numClasses, Arrays.hashCode(logits),
                Arrays.hashCode(topKIndices), Arrays.hashCode(topKValues));
    }

    @Override
    public String toString() {
        String values = isSparse()
                ? "topKIndices=" + Arrays.toString(topKIndices) + ", topKValues=" + Checks.preview(topKValues)
                : "logits=" + Checks.preview(logits);
        return "TeacherLogits[teacherId=" + teacherId + ", modelVersion=" + modelVersion + ", inferenceTimestamp="
                + inferenceTimestamp + ", numClasses=" + numClasses + ", " + values + "]";
    }
}
