package dev.distill.student.training;

import java.util.Map;
import java.util.TreeMap;

/**
 * Combines the logits of several teachers for one example into one soft target: {@code softmax(t_i / T)} per
 * teacher, then the weighted mean with the configured weights renormalised over the teachers present for that
 * example. Teachers without a configured weight get {@code defaultWeight} (0 ignores them). Immutable, thread-safe.
 */
public final class TeacherEnsemble {

    private final Map<String, Double> weights;
    private final double defaultWeight;
    private final float temperature;
    private final int numClasses;

    public TeacherEnsemble(Map<String, Double> weights, double defaultWeight, float temperature, int numClasses) {
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            if (e.getValue() == null || !(e.getValue() >= 0) || e.getValue().isInfinite()) {
                throw new IllegalArgumentException("teacher weight for '" + e.getKey()
                        + "' must be a finite number >= 0, got " + e.getValue());
            }
        }
        if (!(defaultWeight >= 0) || Double.isInfinite(defaultWeight)) {
            throw new IllegalArgumentException("default teacher weight must be a finite number >= 0, got " + defaultWeight);
        }
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature);
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be > 0, got " + numClasses);
        }
        this.weights = Map.copyOf(weights);
        this.defaultWeight = defaultWeight;
        this.temperature = temperature;
        this.numClasses = numClasses;
    }

    /** Every teacher weighs 1. */
    public static TeacherEnsemble uniform(float temperature, int numClasses) {
        return new TeacherEnsemble(Map.of(), 1.0, temperature, numClasses);
    }

    public float temperature() {
        return temperature;
    }

    public double weightOf(String teacherId) {
        return weights.getOrDefault(teacherId, defaultWeight);
    }

    /**
     * The combined distribution ({@code numClasses} floats summing to 1), or {@code null} if no teacher with a
     * positive weight is present.
     *
     * @param logitsByTeacher teacher id → that teacher's logits for this example
     * @throws IllegalArgumentException if a teacher's logits have the wrong length or are not finite
     */
    public float[] combine(Map<String, float[]> logitsByTeacher) {
        double[] sum = new double[numClasses];
        double totalWeight = 0;
        // Sorted so that the float result does not depend on the map's iteration order.
        for (Map.Entry<String, float[]> e : new TreeMap<>(logitsByTeacher).entrySet()) {
            double w = weightOf(e.getKey());
            if (w == 0) {
                continue;
            }
            float[] logits = e.getValue();
            if (logits.length != numClasses) {
                throw new IllegalArgumentException("teacher '" + e.getKey() + "': expected " + numClasses
                        + " logits, got " + logits.length);
            }
            double[] p = softmax(logits, temperature);
            for (int c = 0; c < numClasses; c++) {
                sum[c] += w * p[c];
            }
            totalWeight += w;
        }
        if (totalWeight == 0) {
            return null;
        }
        float[] out = new float[numClasses];
        for (int c = 0; c < numClasses; c++) {
            out[c] = (float) (sum[c] / totalWeight);
        }
        return out;
    }

    /** Numerically stable {@code softmax(logits / T)} in doubles. */
    static double[] softmax(float[] logits, float temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            if (!Float.isFinite(l)) {
                throw new IllegalArgumentException("teacher logits must be finite, got " + l);
            }
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double z = 0;
        for (int c = 0; c < logits.length; c++) {
            p[c] = Math.exp((logits[c] - max) / temperature);
            z += p[c];
        }
        for (int c = 0; c < logits.length; c++) {
            p[c] /= z;
        }
        return p;
    }
}
