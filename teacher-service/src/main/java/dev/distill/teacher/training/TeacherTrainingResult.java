package dev.distill.teacher.training;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a finished training run produced and measured.
 *
 * @param epochSeconds wall time of each epoch's training (without evaluation)
 * @param examplesPerSecond training examples per second over all epochs
 * @param artifactDir the directory holding {@link TeacherArtifact#PARAMS_FILE} and {@link TeacherArtifact#METADATA_FILE}
 */
public record TeacherTrainingResult(
        String architecture,
        int epochs,
        int trainExamples,
        long parameterCount,
        double finalTrainLoss,
        double finalTrainAccuracy,
        double cleanTestAccuracy,
        double driftedTestAccuracy,
        List<Double> epochSeconds,
        double examplesPerSecond,
        String parametersSha256,
        Path artifactDir) {

    public TeacherTrainingResult {
        epochSeconds = List.copyOf(epochSeconds);
    }

    /** The machine-readable summary line, in the style of the bench commands. */
    public String summaryLine() {
        double total = epochSeconds.stream().mapToDouble(Double::doubleValue).sum();
        return String.format(Locale.ROOT,
                "train-teacher arch=%s epochs=%d train_examples=%d params=%d train_loss=%.4f train_acc=%.4f "
                        + "clean_acc=%.4f drifted_acc=%.4f sec_per_epoch=%.1f epoch_sec=%s ex_per_s=%.0f sha256=%s dir=%s",
                architecture, epochs, trainExamples, parameterCount, finalTrainLoss, finalTrainAccuracy,
                cleanTestAccuracy, driftedTestAccuracy, total / Math.max(1, epochs),
                epochSeconds.stream().map(s -> String.format(Locale.ROOT, "%.1f", s)).collect(Collectors.joining(",")),
                examplesPerSecond,
                parametersSha256, artifactDir);
    }
}
