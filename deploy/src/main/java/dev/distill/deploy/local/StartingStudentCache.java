package dev.distill.deploy.local;

import dev.distill.teacher.training.TeacherArtifact;
import dev.distill.teacher.training.TeacherTrainer;
import dev.distill.teacher.training.TeacherTrainingOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

/**
 * The offline-trained student the drift scenario starts from: the student architecture trained for a few epochs on
 * the clean training split only (no drift augmentation: it is the model that was good enough when it shipped), on
 * first use with progress, then read back from {@code ${distill.home}/models/student-start/<architecture>-e<epochs>}.
 * The artifact has the teacher's on-disk format (parameters plus metadata with the clean and drifted test accuracy).
 */
public final class StartingStudentCache {

    private StartingStudentCache() {}

    /** The cache directory of {@code architecture} trained for {@code epochs} under {@code home}. */
    public static Path dir(Path home, String architecture, int epochs) {
        String name = architecture.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-e" + epochs;
        return home.resolve("models").resolve("student-start").resolve(name);
    }

    /**
     * Returns the cached starting student in {@code dir}, training it first when there is none (or it is unusable).
     *
     * @param datasetDir the Fashion-MNIST files
     */
    public static TeacherArtifact ensure(Path dir, String architecture, int epochs, Path datasetDir, PrintStream out) {
        if (Files.exists(dir.resolve(TeacherArtifact.METADATA_FILE))) {
            try {
                TeacherArtifact cached = TeacherArtifact.read(dir);
                if (cached.metadata().architecture().equals(architecture)) {
                    out.printf(Locale.ROOT, "starting student: cached %s from %s (clean test accuracy %.4f, drifted %.4f)%n",
                            architecture, dir, cached.metadata().cleanTestAccuracy(),
                            cached.metadata().driftedTestAccuracy());
                    return cached;
                }
                out.println("starting student: the cache in " + dir + " holds " + cached.metadata().architecture()
                        + ", not " + architecture + "; retraining");
            } catch (RuntimeException e) {
                out.println("starting student: the cached model in " + dir + " is unusable (" + e.getMessage()
                        + "); retraining");
            }
        }
        out.printf("starting student: none in %s yet; training %s offline on the clean training split now "
                + "(first use only, %d epoch(s))%n", dir, architecture, epochs);
        TeacherTrainingOptions options = TeacherTrainingOptions.defaults().withArchitecture(architecture)
                .withEpochs(epochs).withAugmentFraction(0).withDatasetDir(datasetDir).withOutputDir(dir)
                .withProgressInterval(Duration.ofSeconds(5));
        var result = new TeacherTrainer(options, Clock.systemUTC(), p -> out.println("starting student: " + p.line()))
                .run();
        out.printf(Locale.ROOT, "starting student: clean test accuracy %.4f, drifted %.4f, cached in %s%n",
                result.cleanTestAccuracy(), result.driftedTestAccuracy(), dir);
        return TeacherArtifact.read(dir);
    }
}
