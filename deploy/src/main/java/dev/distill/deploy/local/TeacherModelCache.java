package dev.distill.deploy.local;

import dev.distill.teacher.training.TeacherArtifact;
import dev.distill.teacher.training.TrainTeacherMain;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference teacher of the local stack: trained on first use (with progress), then read back from the cache,
 * whose SHA-256 is checked on every read so a damaged cache is retrained rather than served.
 */
public final class TeacherModelCache {

    private TeacherModelCache() {}

    /** Returns the cached teacher in {@code dir}, training {@code architecture} first when there is none. */
    public static TeacherArtifact ensure(Path dir, String architecture, int epochs, PrintStream out) {
        if (Files.exists(dir.resolve(TeacherArtifact.METADATA_FILE))) {
            try {
                TeacherArtifact cached = TeacherArtifact.read(dir);
                out.printf("teacher: cached %s from %s (clean test accuracy %.4f, drifted %.4f)%n",
                        cached.metadata().architecture(), dir, cached.metadata().cleanTestAccuracy(),
                        cached.metadata().driftedTestAccuracy());
                return cached;
            } catch (RuntimeException e) {
                out.println("teacher: the cached model in " + dir + " is unusable (" + e.getMessage() + "); retraining");
            }
        }
        out.printf("teacher: no trained teacher in %s yet; training %s now (first use only, %d epoch(s))%n", dir,
                architecture, epochs);
        TrainTeacherMain.run(new String[] {"--architecture", architecture, "--epochs", Integer.toString(epochs),
            "--output", dir.toString()}, out);
        return TeacherArtifact.read(dir);
    }
}
