package dev.distill.teacher.training;

import java.time.Duration;
import java.util.Locale;

/** A snapshot of a running training, emitted every few seconds. Loss and accuracy are averages over the epoch so far. */
public record TrainingProgress(
        int epoch,
        int epochs,
        int batch,
        int batchesPerEpoch,
        double examplesPerSecond,
        double runningLoss,
        double runningAccuracy,
        Duration eta) {

    /** One human-readable line, e.g. {@code epoch 1/3 batch 200/938 812 ex/s loss 0.5123 acc 0.8110 eta 4m10s}. */
    public String line() {
        long s = Math.max(0, eta.toSeconds());
        String etaText = s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "epoch %d/%d batch %d/%d %.0f ex/s loss %.4f acc %.4f eta %s", epoch, epochs,
                batch, batchesPerEpoch, examplesPerSecond, runningLoss, runningAccuracy, etaText);
    }
}
