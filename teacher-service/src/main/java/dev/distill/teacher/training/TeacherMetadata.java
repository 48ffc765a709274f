package dev.distill.teacher.training;

/**
 * What {@value TeacherArtifact#METADATA_FILE} says about a trained teacher: how it was trained and how well it did.
 *
 * @param parametersSha256 lowercase hex SHA-256 of {@value TeacherArtifact#PARAMS_FILE}
 * @param createdAt ISO-8601 UTC instant the files were written
 * @param driftScenario the drift scenario name and seed that built the drifted test split
 */
public record TeacherMetadata(
        String architecture,
        int epochs,
        int batchSize,
        float learningRate,
        int seed,
        double augmentFraction,
        int trainExamples,
        double cleanTestAccuracy,
        double driftedTestAccuracy,
        String driftScenario,
        long driftSeed,
        double trainSeconds,
        long parameterBytes,
        String parametersSha256,
        String createdAt) {}
