package dev.distill.deploy.drift;

import dev.distill.common.checkpoint.CheckpointTopicReader;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.Split;
import dev.distill.deploy.drift.DriftReport.Accuracy;
import dev.distill.deploy.local.StartingStudentCache;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.teacher.training.TeacherArtifact;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The drift scenario around the local stack: before it starts, the offline-trained starting student (cached) that
 * the online student is warm-started from; after the stack has stopped, the labels-only control and the
 * {@link DriftReport} on the clean and drifted test split.
 */
public final class DriftRun {

    /** Epochs of the offline starting student (the student architecture on the clean training split). */
    public static final int DEFAULT_START_EPOCHS = 3;

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final DriftScenario scenario;
    private final TeacherArtifact teacher;
    private final TeacherArtifact start;
    private final Path startDir;

    private DriftRun(DriftScenario scenario, TeacherArtifact teacher, TeacherArtifact start, Path startDir) {
        this.scenario = scenario;
        this.teacher = teacher;
        this.start = start;
        this.startDir = startDir;
    }

    /**
     * Loads (or trains, on first use) the starting student for {@code studentArchitecture}.
     *
     * @param home the distill home; the starting student is cached under {@code models/student-start}
     */
    public static DriftRun prepare(Path home, Path datasetDir, String studentArchitecture, int startEpochs,
            DriftScenario scenario, TeacherArtifact teacher, PrintStream out) {
        Path dir = StartingStudentCache.dir(home, studentArchitecture, startEpochs);
        TeacherArtifact start = StartingStudentCache.ensure(dir, studentArchitecture, startEpochs, datasetDir, out);
        return new DriftRun(scenario, teacher, start, dir);
    }

    public DriftScenario scenario() {
        return scenario;
    }

    /**
     * Student settings of the drift scenario, under the user's {@code --set}: start from the offline student, and
     * publish often so the edge follows the recovery closely. The publish gate keeps its default: it compares each
     * candidate with the last published version on the same labelled examples, so a recovering student is published
     * although every rolling figure fell with the drift.
     */
    public Map<String, String> studentDefaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(StudentServiceConfig.WARM_START, startDir.resolve(TeacherArtifact.PARAMS_FILE).toString());
        d.put(StudentServiceConfig.CHECKPOINT_EVERY_EXAMPLES, "1000");
        d.put(StudentServiceConfig.CHECKPOINT_EVERY_MS, "5000");
        return d;
    }

    /**
     * Trains the labels-only control on the examples topic, fetches the version the edge serves from the checkpoints
     * topic, and scores all four models. Call after the stack has stopped (its trainer holds the gradient collector)
     * while the broker still runs.
     *
     * @param edgeVersion version the edge agent served at the end, -1 if none (then the edge serves the start)
     */
    public DriftReport report(StudentServiceConfig student, long edgeVersion, Path datasetDir, PrintStream out) {
        Map<String, Object> client = student.kafkaClientProperties(ConsumerConfig.configNames());
        byte[] online = start.parameters();
        String onlineSource = "edge: none, serves the start";
        if (edgeVersion >= 0) {
            client.put(ConsumerConfig.CLIENT_ID_CONFIG, "distill-drift-report");
            try (CheckpointTopicReader reader = new CheckpointTopicReader(client,
                    student.getString(StudentServiceConfig.TOPIC_CHECKPOINTS))) {
                reader.catchUp(READ_TIMEOUT);
                Optional<PublishedCheckpoint> served = reader.version(student.modelName(), edgeVersion);
                if (served.isEmpty()) {
                    throw new IllegalStateException("drift report: " + student.modelName() + " v" + edgeVersion
                            + ", which the edge agent serves, is not on the checkpoints topic");
                }
                online = served.get().artifact();
                onlineSource = "edge v" + edgeVersion;
            }
        }
        out.println("drift report: training the labels-only student on the labelled examples of "
                + student.examplesTopic() + " (same start, optimiser, learning rate and batching; no teacher)...");
        long t0 = System.nanoTime();
        LabelsOnlyBaseline.Result baseline = new LabelsOnlyBaseline(student.studentConfig(), start.parameters())
                .train(client, student.examplesTopic(), student.eventsTopic(), READ_TIMEOUT);
        out.printf(Locale.ROOT, "drift report: labels-only student trained on %,d labelled of %,d examples in %d steps "
                        + "(%.1f s); scoring the four models on the clean and the drifted test split...%n",
                baseline.labelledTrained(), baseline.examplesRead(), baseline.steps(), (System.nanoTime() - t0) / 1e9);
        DriftEvaluation eval = new DriftEvaluation(FashionMnist.load(datasetDir, Split.TEST), scenario);
        String arch = student.architecture();
        Accuracy teacherAcc = eval.accuracy(teacher.metadata().architecture(), teacher.parameters());
        Accuracy frozen = eval.accuracy(start.metadata().architecture(), start.parameters());
        Accuracy onlineAcc = eval.accuracy(arch, online);
        Accuracy labelsOnly = eval.accuracy(arch, baseline.parameters());
        return new DriftReport(scenario.name() + ", seed " + scenario.seed(), onlineSource, baseline.labelledTrained(),
                teacherAcc, frozen, onlineAcc, labelsOnly);
    }
}
