package dev.distill.student.training;

/**
 * Outcome of one optimiser step: its 1-based number, the batch size, the loss before the update and its weighted soft
 * and hard components ({@code loss = softLoss + hardLoss}), and how many rows had each signal.
 */
public record TrainStepResult(long step, int examples, float loss, float softLoss, float hardLoss, int softRows,
        int hardRows) {}
