package dev.distill.deploy.bench.pipeline;

import ai.djl.Model;
import dev.distill.common.checkpoint.CheckpointTopicReader;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.Split;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.topic.DistillTopics;
import dev.distill.common.topic.TopicProvisioner;
import dev.distill.common.topic.TopicSpec;
import dev.distill.deploy.local.TeacherModelCache;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.deploy.bench.StudentStepBench;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.teacher.training.TeacherArtifact;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code ./distill bench pipeline}: the whole path as production runs it. The replay (producer), the teacher service
 * and the student service each run in their own JVM, started as {@code ./distill replay|teacher|student} would be,
 * against one broker (embedded in this JVM unless an external one is given). Two passes of N fresh events go
 * through the same service processes (cold, then warm); in the same run, for comparison, Kafka's own clients move
 * the same records through the same broker (one hop's ceiling) and the student's training step runs alone (the
 * trainer's ceiling). Bytes written to the broker per topic give the write amplification; {@code /proc} gives the
 * services' CPU time and resident memory; the last published student is scored on the test split.
 */
public final class PipelineBench {

    private static final int PASSES = 2;
    /** Raw training steps timed for the trainer's ceiling, after the warm-up, as {@code bench student} times them. */
    private static final int CEILING_STEPS = 3_000;
    private static final int CEILING_WARMUP = 300;
    /** Lets commits and changelog flushes issued at the end of the last pass land before the sizes are read. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final PipelineSettings settings;
    private final Path home;
    private final PrintStream out;

    public PipelineBench(PipelineSettings settings, Path home, PrintStream out) {
        this.settings = settings;
        this.home = home;
        this.out = out;
    }

    public PipelineFigures run() throws IOException, InterruptedException {
        Map<String, String> teacherModel = teacherModel();
        if (settings.bootstrapServers() != null) {
            return run(settings.bootstrapServers(), teacherModel);
        }
        out.println("bench pipeline: starting the embedded Kafka broker (KRaft)...");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optNumPartitions(3).build().start()) {
            out.printf("broker ready at %s%n", broker.bootstrapServers());
            return run(broker.bootstrapServers(), teacherModel);
        }
    }

    /** The teacher service's model settings: the given TorchScript file, or the cached registry teacher. */
    private Map<String, String> teacherModel() {
        if (settings.teacherModel() != null) {
            if (!Files.isRegularFile(settings.teacherModel())) {
                throw new IllegalArgumentException("--teacher-model " + settings.teacherModel() + " is not a file");
            }
            return Map.of("teacher.model", settings.teacherModel().toAbsolutePath().toString(), "teacher.architecture", "");
        }
        String arch = settings.teacherArchitecture();
        Path dir = home.resolve("models").resolve("teacher-" + arch.replaceAll("[^A-Za-z0-9.-]", "-"));
        TeacherArtifact artifact = TeacherModelCache.ensure(dir, arch, settings.teacherEpochs(), out);
        return Map.of("teacher.model", dir.resolve(TeacherArtifact.PARAMS_FILE).toAbsolutePath().toString(),
                "teacher.architecture", artifact.metadata().architecture());
    }

    private PipelineFigures run(String bootstrap, Map<String, String> teacherModel)
            throws IOException, InterruptedException {
        String runId = Long.toString(System.currentTimeMillis(), 36);
        Path runDir = Files.createDirectories(home.resolve("bench").resolve("pipeline-" + runId).toAbsolutePath());
        PipelineServices services = new PipelineServices(runId, bootstrap, runDir, teacherModel, settings.overrides());
        DistillConfig common = services.commonConfig();
        StudentServiceConfig studentConfig = services.studentConfig();
        Map<String, Object> client = new HashMap<>(common.kafkaClientProperties(AdminClientConfig.configNames()));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        out.printf("bench pipeline: run %s, %,d events per pass, labels %d events late (%.0f %% labelled), %s "
                        + "encoding; topics %s*; logs in %s%n", runId, settings.events(), settings.labelDelayEvents(),
                settings.labelFraction() * 100, settings.encoding(), services.prefix, runDir);
        try (Admin admin = Admin.create(client)) {
            DistillTopics topics = DistillTopics.from(common);
            new TopicProvisioner(admin, Duration.ofSeconds(30)).provision(topics);
            try (ChildJvm teacher = ChildJvm.start("teacher", serviceArgs("teacher", services.teacher), runDir);
                 ChildJvm student = ChildJvm.start("student", serviceArgs("student", services.student), runDir)) {
                ServiceEndpoint teacherHttp = new ServiceEndpoint(services.teacherPort);
                ServiceEndpoint studentHttp = new ServiceEndpoint(services.studentPort);
                awaitReady(teacher, teacherHttp);
                awaitReady(student, studentHttp);
                out.printf("teacher (pid %d) and student (pid %d) ready%n", teacher.pid(), student.pid());

                List<TopicPartition> eventPartitions = IntStream.range(0, topics.events().partitions())
                        .mapToObj(p -> new TopicPartition(topics.events().name(), p)).toList();
                PipelineProbe probe = new PipelineProbe(teacherHttp, studentHttp, admin, eventPartitions);
                PipelinePass pass = new PipelinePass(teacher, student, probe, settings.stallTimeout(), runDir, out);

                BrokerLogSizes before = BrokerLogSizes.snapshot(admin);
                List<PassFigures> passes = new ArrayList<>();
                for (int i = 1; i <= PASSES; i++) {
                    out.printf("pass %d of %d: %,d fresh events%n", i, PASSES, settings.events());
                    PassFigures figures = pass.run(i, settings.events(), replayArgs(services, i));
                    out.println(figures.describe());
                    passes.add(figures);
                }
                Thread.sleep(SETTLE.toMillis());
                WriteAmplification amplification = WriteAmplification.of(
                        BrokerLogSizes.snapshot(admin).growthSince(before), topics.events().name(),
                        topics.labels().name());
                double rssTeacher = ProcessUsage.rssMb(teacher.pid());
                double rssStudent = ProcessUsage.rssMb(student.pid());

                out.println("Kafka hop: a plain producer and consumer move the same records through the same broker...");
                String hopTopic = services.prefix + "kafka-hop";
                new TopicProvisioner(admin, Duration.ofSeconds(30)).provision(List.of(new TopicSpec(hopTopic,
                        topics.events().partitions(), topics.events().replicationFactor(), Map.of())), Set.of());
                double hop = KafkaHopBench.eventsPerSecond(client, hopTopic,
                        FashionMnist.load(common.datasetDir(), Split.TRAIN), settings.encoding(), settings.events(),
                        settings.stallTimeout());
                out.printf(Locale.ROOT, "Kafka hop: %,.0f events/s%n", hop);

                out.printf("trainer ceiling: %s, batch %d, %,d raw training steps alone...%n",
                        studentConfig.architecture(), studentConfig.batchSize(), CEILING_STEPS);
                StudentStepBench.Result raw = StudentStepBench.run(studentConfig.architecture(),
                        studentConfig.batchSize(), CEILING_STEPS, CEILING_WARMUP);
                // an event is two examples (its soft one and, at 100 % labels, its labelled one)
                double ceiling = raw.examplesPerSecond() / 2;
                out.printf(Locale.ROOT, "trainer ceiling: %,.0f examples/s = %,.0f events/s%n",
                        raw.examplesPerSecond(), ceiling);

                out.println("stopping the student (it writes and may publish a final checkpoint)...");
                student.stop(Duration.ofSeconds(60));
                double accuracy = testAccuracy(common, studentConfig, client);
                teacher.stop(Duration.ofSeconds(30));

                PassFigures cold = passes.get(0);
                PassFigures warm = passes.get(passes.size() - 1);
                long events = passes.stream().mapToLong(PassFigures::events).sum();
                PipelineFigures figures = new PipelineFigures(settings.events(), warm.eventsPerSecond(),
                        warm.producerEventsPerSecond(), warm.teacherEventsPerSecond(), warm.studentEventsPerSecond(),
                        hop, ceiling, amplification.ratio(),
                        passes.stream().mapToLong(PassFigures::teacherCpuMillis).sum() / (double) events,
                        passes.stream().mapToLong(PassFigures::studentCpuMillis).sum() / (double) events,
                        rssTeacher, rssStudent, cold.eventsPerSecond() / warm.eventsPerSecond(), accuracy);
                printStages(passes, amplification, figures);
                deleteStudentState(runDir);
                return figures;
            }
        }
    }

    private static List<String> serviceArgs(String command, Map<String, String> settings) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(ChildJvm.setArgs(settings));
        return args;
    }

    private List<String> replayArgs(PipelineServices services, int pass) {
        List<String> args = new ArrayList<>(List.of("replay", "--split", "TRAIN",
                "--events", Integer.toString(settings.events()),
                "--rate", "1000000000", // as fast as the producer can: the bench measures, it does not pace
                "--label-delay-events", Integer.toString(settings.labelDelayEvents()),
                "--label-fraction", Double.toString(settings.labelFraction()),
                "--encoding", settings.encoding().name(),
                "--seed", Integer.toString(pass)));
        args.addAll(ChildJvm.setArgs(services.common));
        return args;
    }

    private void awaitReady(ChildJvm child, ServiceEndpoint http) throws InterruptedException {
        long deadline = System.nanoTime() + settings.stallTimeout().toNanos();
        while (!http.ready()) {
            child.requireAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the " + child.name() + " was not ready within "
                        + settings.stallTimeout().toSeconds() + " s; last lines of " + child.log() + ":\n"
                        + child.tail(30));
            }
            Thread.sleep(200);
        }
    }

    /** The newest published student on the 10 000-image test split; NaN (with a note) when none was published. */
    private double testAccuracy(DistillConfig common, StudentServiceConfig student, Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.keySet().retainAll(ConsumerConfig.configNames());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "distill-bench-pipeline-accuracy");
        try (CheckpointTopicReader reader = new CheckpointTopicReader(props,
                common.getString(DistillConfig.TOPIC_CHECKPOINTS))) {
            reader.catchUp(Duration.ofSeconds(30));
            Optional<PublishedCheckpoint> latest = reader.latest(student.modelName());
            if (latest.isEmpty()) {
                out.println("test accuracy: no student version was published (the gate held every checkpoint)");
                return Double.NaN;
            }
            Architecture arch = Architectures.parse(student.architecture());
            try (Model model = Models.loadModel(arch, "bench-accuracy", latest.get().artifact())) {
                double accuracy = Models.accuracy(model, arch, FashionMnist.load(common.datasetDir(), Split.TEST));
                out.printf(Locale.ROOT, "test accuracy: published %s v%d: %.4f on the 10 000-image test split%n",
                        student.modelName(), latest.get().manifest().version(), accuracy);
                return accuracy;
            }
        }
    }

    private void printStages(List<PassFigures> passes, WriteAmplification amplification, PipelineFigures f) {
        out.println();
        out.println("bytes written to the broker by the teacher and student, per topic (both passes):");
        amplification.describe().forEach(line -> out.println("  " + line));
        out.println("per stage, warm pass (cold pass in brackets):");
        PassFigures cold = passes.get(0);
        stage("end to end", f.eventsPerSecond(), cold.eventsPerSecond());
        stage("producer (replay)", f.producerEventsPerSecond(), cold.producerEventsPerSecond());
        stage("teacher", f.teacherEventsPerSecond(), cold.teacherEventsPerSecond());
        stage("student", f.studentEventsPerSecond(), cold.studentEventsPerSecond());
        out.printf(Locale.ROOT, "  %-22s %,10.0f events/s%n", "Kafka hop (plain)", f.kafkaHopEventsPerSecond());
        out.printf(Locale.ROOT, "  %-22s %,10.0f events/s (student at %.2f of it)%n", "trainer ceiling",
                f.trainerCeilingEventsPerSecond(), f.studentVsTrainer());
        out.printf(Locale.ROOT, "  cpu per event: teacher %.4f ms, student %.4f ms; resident memory: teacher %.0f MB, "
                + "student %.0f MB%n", f.cpuMsPerEventTeacher(), f.cpuMsPerEventStudent(), f.rssMbTeacher(),
                f.rssMbStudent());
    }

    private void stage(String name, double warm, double cold) {
        out.printf(Locale.ROOT, "  %-22s %,10.0f events/s  (%,.0f)%n", name, warm, cold);
    }

    /** The student's checkpoints and Streams state are per run and useless afterwards; the logs stay. */
    private static void deleteStudentState(Path runDir) throws IOException {
        Path state = runDir.resolve("student");
        if (Files.exists(state)) {
            try (var paths = Files.walk(state)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
