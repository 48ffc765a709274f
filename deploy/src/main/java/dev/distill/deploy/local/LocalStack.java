package dev.distill.deploy.local;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.metrics.MetricNames;
import dev.distill.edge.EdgeAgent;
import dev.distill.edge.EdgeAgentConfig;
import dev.distill.edge.KafkaStatusReporter;
import dev.distill.student.StudentService;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.teacher.TeacherService;
import dev.distill.teacher.config.TeacherConfig;
import dev.distill.teacher.training.TeacherArtifact;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The services of the local stack, in one JVM against the embedded broker: the teacher service, the student
 * service (join, trainer, publisher, update API) and one edge agent that follows the student's checkpoints.
 */
public final class LocalStack implements AutoCloseable {

    static final String TEACHER_ID = "teacher";
    static final String EDGE_DEVICE = "local-edge-1";

    private final List<AutoCloseable> started = new ArrayList<>();
    private TeacherService teacher;
    private StudentService student;
    private EdgeAgent edge;

    private LocalStack() {}

    /** Starts the teacher, the student and an edge agent; on failure stops what was started and rethrows. */
    public static LocalStack start(ServiceConfigs configs, String bootstrapServers, Path runDir, Path teacherDir,
            TeacherArtifact teacherModel, PrintStream out) {
        return start(configs, bootstrapServers, runDir, teacherDir, teacherModel, Map.of(), out);
    }

    /**
     * As {@link #start(ServiceConfigs, String, Path, Path, TeacherArtifact, PrintStream)}, with {@code studentDefaults}
     * added to (and winning over) the local stack's student defaults; the user's {@code --set} still wins over both.
     */
    public static LocalStack start(ServiceConfigs configs, String bootstrapServers, Path runDir, Path teacherDir,
            TeacherArtifact teacherModel, Map<String, String> studentDefaults, PrintStream out) {
        LocalStack stack = new LocalStack();
        try {
            stack.startAll(configs, bootstrapServers, runDir, teacherDir, teacherModel, studentDefaults, out);
            return stack;
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(ServiceConfigs configs, String bootstrap, Path runDir, Path teacherDir,
            TeacherArtifact teacherModel, Map<String, String> extraStudentDefaults, PrintStream out) {
        Map<String, String> forced = Map.of(DistillConfig.BOOTSTRAP_SERVERS, bootstrap);

        teacher = TeacherService.start(configs.load(TeacherConfig.definition(), TeacherConfig::new,
                teacherDefaults(teacherDir, teacherModel), forced));
        started.add(teacher);
        out.printf("teacher service: %s %s, http port %d%n", teacherModel.metadata().architecture(), teacher.modelVersion(),
                teacher.httpPort());

        Map<String, String> studentDefaults = new LinkedHashMap<>();
        studentDefaults.put(DistillConfig.HTTP_PORT, "0");
        studentDefaults.put(StudentServiceConfig.CHECKPOINT_DIR, runDir.resolve("student/checkpoints").toString());
        studentDefaults.put(StudentServiceConfig.SIGNING_KEY, runDir.resolve("student/keys/signing-key.pem").toString());
        studentDefaults.put("kafka.state.dir", runDir.resolve("student/streams").toString());
        // a short local run should see several checkpoints reach the edge
        studentDefaults.put(StudentServiceConfig.CHECKPOINT_EVERY_EXAMPLES, "2000");
        studentDefaults.put(StudentServiceConfig.CHECKPOINT_EVERY_MS, "15000");
        studentDefaults.putAll(extraStudentDefaults);
        StudentServiceConfig studentConfig = configs.load(StudentServiceConfig.definition(), StudentServiceConfig::new,
                studentDefaults, forced);
        student = StudentService.start(studentConfig);
        started.add(student);
        out.printf("student service: %s, update API and metrics on http://localhost:%d%n", studentConfig.modelName(),
                student.httpPort());

        EdgeAgentConfig edgeConfig = EdgeAgentConfig.of(URI.create("http://localhost:" + student.httpPort()),
                        studentConfig.modelName(), EDGE_DEVICE, student.publicKey())
                .withPolling(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(10));
        // the student's kafka.* settings (SASL, TLS) apply to the edge agent's status producer too
        KafkaStatusReporter reporter = new KafkaStatusReporter(
                studentConfig.kafkaClientProperties(org.apache.kafka.clients.producer.ProducerConfig.configNames()),
                studentConfig.getString(DistillConfig.TOPIC_EDGE_STATUS));
        edge = new EdgeAgent(edgeConfig, HttpClient.newHttpClient(), reporter, new SimpleMeterRegistry(), Clock.systemUTC(),
                new Random());
        started.add(edge);
        edge.start();
        out.printf("edge agent: %s polling every 2 s%n", EDGE_DEVICE);
    }

    /** The local stack's teacher settings: the cached reference teacher (none in a replay-only run). */
    public static Map<String, String> teacherDefaults(Path teacherDir, TeacherArtifact teacherModel) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("teacher.id", TEACHER_ID);
        defaults.put("teacher.model", teacherDir.resolve(TeacherArtifact.PARAMS_FILE).toString());
        if (teacherModel != null) {
            defaults.put("teacher.architecture", teacherModel.metadata().architecture());
        }
        defaults.put(DistillConfig.HTTP_PORT, "0");
        return defaults;
    }

    /** The running teacher service (for benchmarks that watch the loop, e.g. the soak benchmark). */
    public TeacherService teacherService() {
        return teacher;
    }

    /** The running student service. */
    public StudentService studentService() {
        return student;
    }

    /** The stack's edge agent. */
    public EdgeAgent edgeAgent() {
        return edge;
    }

    /** One line on the loop's state, for the progress display. */
    public String status() {
        return String.format(Locale.ROOT, "teacher scored %,d | student trained %,d, acc %s (teacher %s), agree %s | published %s | edge %s",
                (long) count(teacher.registry(), MetricNames.TEACHER_EVENTS.meterName(), "outcome", "scored"),
                student.trainer().examplesTrained(), gauge(MetricNames.STUDENT_ACCURACY), gauge(MetricNames.TEACHER_ACCURACY),
                gauge(MetricNames.STUDENT_AGREEMENT), version(student.trainer().lastPublishedVersion()),
                edgeVersion());
    }

    /** Events the teacher has scored and committed so far. */
    public long teacherScored() {
        return (long) count(teacher.registry(), MetricNames.TEACHER_EVENTS.meterName(), "outcome", "scored");
    }

    /** The version the edge agent serves, -1 before its first update. */
    public long edgeServingVersion() {
        return edge.isServing() ? edge.servingVersion() : -1;
    }

    /** Rows for the closing summary: what each part of the loop did. */
    public Map<String, String> summary() {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("teacher logits committed", String.format("%,d", (long) count(teacher.registry(),
                MetricNames.TEACHER_EVENTS.meterName(), "outcome", "scored")));
        rows.put("student examples trained", String.format("%,d", student.trainer().examplesTrained()));
        rows.put("student prequential accuracy", gauge(MetricNames.STUDENT_ACCURACY));
        rows.put("teacher accuracy, same labels", gauge(MetricNames.TEACHER_ACCURACY));
        rows.put("student-teacher agreement", gauge(MetricNames.STUDENT_AGREEMENT));
        rows.put("checkpoints written", String.format("%,d", student.trainer().checkpointsWritten()));
        rows.put("latest published version", version(student.trainer().lastPublishedVersion()));
        rows.put("edge agent serving", edgeVersion() + " (" + edge.rejectedCount() + " rejected)");
        rows.put("fleet, from edge status reports", student.fleet().devicesPerVersion().toString());
        return rows;
    }

    /** Published versions start at 0; the trainer reports -1 before the first. */
    private static String version(long v) {
        return v < 0 ? "none" : "v" + v;
    }

    private String edgeVersion() {
        return edge.isServing() ? "v" + edge.servingVersion() : "none";
    }

    private String gauge(MetricNames name) {
        Gauge g = student.registry().find(name.meterName()).gauge();
        double v = g == null ? Double.NaN : g.value();
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static double count(MeterRegistry registry, String name, String tag, String value) {
        Counter c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    /** Stops the edge agent, then the student (which writes a final checkpoint), then the teacher. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("distill local: stopping " + started.get(i).getClass().getSimpleName() + ": " + e);
            }
        }
        started.clear();
    }
}
