package dev.distill.student.training;

import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;

/**
 * What the online trainer needs to know: the student architecture spec (e.g. {@code mlp:784-128-10}), the
 * distillation temperature and hard-label weight, Adam's learning rate, the batch size and the seed of the initial
 * parameters.
 */
public record StudentConfig(String architecture, float temperature, float alpha, float learningRate, int batchSize,
        int seed) {

    public StudentConfig {
        Architectures.parse(architecture); // fails with the spec and the known forms
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("student temperature must be a finite number > 0, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("student alpha must be in [0, 1], got " + alpha);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("student learning rate must be a finite number > 0, got " + learningRate);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("student batch size must be > 0, got " + batchSize);
        }
    }

    /** Defaults used by the benchmark and tests: {@code mlp:784-128-10}, T=4, alpha=0.5, lr=1e-3, batch 64, seed 42. */
    public static StudentConfig defaults() {
        return new StudentConfig("mlp:784-128-10", 4f, 0.5f, 1e-3f, 64, 42);
    }

    public Architecture parsedArchitecture() {
        return Architectures.parse(architecture);
    }
}
