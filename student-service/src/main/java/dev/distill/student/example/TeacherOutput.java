package dev.distill.student.example;

import java.util.Arrays;
import java.util.Objects;

/**
 * One teacher's dense logits inside a {@link TrainingExample}.
 *
 * @param teacherId    the teacher that produced the logits
 * @param modelVersion the teacher model version
 * @param weight       the teacher's configured weight ({@code student.teachers}), finite and {@code > 0}; the trainer
 *                     combines the softened distributions of the teachers present as a mean weighted by it
 * @param logits       dense logits, one per class, finite
 */
public record TeacherOutput(String teacherId, String modelVersion, float weight, float[] logits) {

    public static final int MAX_NAME_LENGTH = 256;

    public TeacherOutput {
        requireName(teacherId, "teacherId");
        requireName(modelVersion, "modelVersion");
        if (!Float.isFinite(weight) || weight <= 0f) {
            throw new IllegalArgumentException("teacher output of " + teacherId + ": weight must be finite and > 0, got "
                    + weight);
        }
        Objects.requireNonNull(logits, "logits");
        if (logits.length < 1) {
            throw new IllegalArgumentException("teacher output of " + teacherId + ": needs at least one logit");
        }
        logits = logits.clone();
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new IllegalArgumentException("teacher output of " + teacherId + ": logits[" + i + "] is "
                        + logits[i] + "; values must be finite");
            }
        }
    }

    private static void requireName(String value, String field) {
        if (value == null || value.isBlank() || value.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("teacher output: " + field + " must be a non-blank string of at most "
                    + MAX_NAME_LENGTH + " characters, got " + (value == null ? "null" : "'" + value + "'"));
        }
    }

    @Override
    public float[] logits() {
        return logits.clone();
    }

    public int numClasses() {
        return logits.length;
    }

    /** Logit {@code i} without copying. */
    public float logit(int i) {
        return logits[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TeacherOutput t && Float.compare(weight, t.weight) == 0 && teacherId.equals(t.teacherId)
                && modelVersion.equals(t.modelVersion) && Arrays.equals(logits, t.logits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(teacherId, modelVersion, weight, Arrays.hashCode(logits));
    }

    @Override
    public String toString() {
        return "TeacherOutput[teacherId=" + teacherId + ", modelVersion=" + modelVersion + ", weight=" + weight
                + ", logits=" + logits.length + " values]";
    }
}
