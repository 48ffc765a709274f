package dev.distill.teacher.training;

import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.model.Architectures;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of one teacher training run. Use {@link #defaults()} and the {@code with...} methods; the compact
 * constructor rejects values that cannot work, naming the option and what to pass instead.
 *
 * @param architecture spec for {@link Architectures#parse(String)}, e.g. {@code cnn:small}
 * @param maxTrainExamples use only the first N training images (0 = all), for quick runs
 * @param augmentFraction share of each batch (0..1) replaced by a randomly drifted copy
 * @param driftScenario name of the {@link DriftScenario} used for augmentation kinds and the drifted test split
 * @param driftSeed seed of the drifted test split (keep {@link DriftScenario#DEFAULT_SEED} so runs compare)
 * @param datasetDir directory holding the Fashion-MNIST idx files
 * @param outputDir where the parameters and metadata are written
 * @param progressInterval how often a progress line is emitted
 */
public record TeacherTrainingOptions(
        String architecture,
        int epochs,
        int batchSize,
        float learningRate,
        int maxTrainExamples,
        int seed,
        double augmentFraction,
        String driftScenario,
        long driftSeed,
        Path datasetDir,
        Path outputDir,
        Duration progressInterval) {

    /** System property naming the distill home directory; the {@code ./distill} launcher sets it. */
    public static final String HOME_PROPERTY = "distill.home";

    public TeacherTrainingOptions {
        Architectures.parse(architecture); // throws with the known forms
        DriftScenario.parse(driftScenario, driftSeed);
        require(epochs >= 1, "epochs must be >= 1, got " + epochs);
        require(batchSize >= 1 && batchSize <= 65_536, "batch size must be in 1..65536, got " + batchSize);
        require(learningRate > 0 && Float.isFinite(learningRate),
                "learning rate must be a positive number (e.g. 0.001), got " + learningRate);
        require(maxTrainExamples >= 0, "max training examples must be >= 0 (0 = all), got " + maxTrainExamples);
        require(augmentFraction >= 0 && augmentFraction <= 1,
                "augmentation fraction must be in 0..1, got " + augmentFraction);
        require(datasetDir != null, "dataset directory must be set");
        require(outputDir != null, "output directory must be set");
        require(progressInterval != null && !progressInterval.isNegative() && !progressInterval.isZero(),
                "progress interval must be positive, got " + progressInterval);
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException("teacher training options: " + problem);
        }
    }

    /**
     * {@code cnn:small}, 3 epochs, batch 64, Adam 1e-3, all examples, seed 1, half of each batch drifted, the
     * default drift scenario, the data set where Debian installs it (or {@code DISTILL_DATASET_DIR}), output in
     * {@code ${distill.home}/models/teacher} (fallback {@code ./var/models/teacher}), progress every 5 s.
     */
    public static TeacherTrainingOptions defaults() {
        return new TeacherTrainingOptions("cnn:small", 3, 64, 1e-3f, 0, 1, 0.5, DriftScenario.DEFAULT_NAME,
                DriftScenario.DEFAULT_SEED,
                FashionMnist.resolveDir(null, System.getenv()),
                defaultOutputDir(), Duration.ofSeconds(5));
    }

    /** {@code ${distill.home}/models/teacher}, or {@code ./var/models/teacher} when the property is not set. */
    public static Path defaultOutputDir() {
        String home = System.getProperty(HOME_PROPERTY);
        Path base = home == null || home.isBlank() ? Path.of("var") : Path.of(home);
        return base.resolve("models").resolve("teacher");
    }

    public DriftScenario drift() {
        return DriftScenario.parse(driftScenario, driftSeed);
    }

    public TeacherTrainingOptions withArchitecture(String v) {
        return new TeacherTrainingOptions(v, epochs, batchSize, learningRate, maxTrainExamples, seed, augmentFraction,
                driftScenario, driftSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withEpochs(int v) {
        return new TeacherTrainingOptions(architecture, v, batchSize, learningRate, maxTrainExamples, seed,
                augmentFraction, driftScenario, driftSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withBatchSize(int v) {
        return new TeacherTrainingOptions(architecture, epochs, v, learningRate, maxTrainExamples, seed,
                augmentFraction, driftScenario, driftSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withLearningRate(float v) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, v, maxTrainExamples, seed, augmentFraction,
                driftScenario, driftSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withMaxTrainExamples(int v) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, learningRate, v, seed, augmentFraction,
                driftScenario, driftSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withSeed(int v) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, learningRate, maxTrainExamples, v,
                augmentFraction, driftScenario, driftSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withAugmentFraction(double v) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, learningRate, maxTrainExamples, seed, v,
                driftScenario, driftSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withDrift(String scenario, long scenarioSeed) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, learningRate, maxTrainExamples, seed,
                augmentFraction, scenario, scenarioSeed, datasetDir, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withDatasetDir(Path v) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, learningRate, maxTrainExamples, seed,
                augmentFraction, driftScenario, driftSeed, v, outputDir, progressInterval);
    }

    public TeacherTrainingOptions withOutputDir(Path v) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, learningRate, maxTrainExamples, seed,
                augmentFraction, driftScenario, driftSeed, datasetDir, v, progressInterval);
    }

    public TeacherTrainingOptions withProgressInterval(Duration v) {
        return new TeacherTrainingOptions(architecture, epochs, batchSize, learningRate, maxTrainExamples, seed,
                augmentFraction, driftScenario, driftSeed, datasetDir, outputDir, v);
    }
}
