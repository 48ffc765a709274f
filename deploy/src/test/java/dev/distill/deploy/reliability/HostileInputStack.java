package dev.distill.deploy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.config.DistillConfig;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.student.StudentService;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.topology.StudentJoinConfig;
import dev.distill.teacher.TeacherService;
import dev.distill.teacher.config.TeacherConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** A teacher and a student service in this JVM with their own topics, plus kcat and read-back helpers. */
final class HostileInputStack implements AutoCloseable {

    static final String KCAT = "/usr/bin/kcat";
    static final String TEACHER_ARCHITECTURE = "mlp:784-32-10";

    final Map<String, String> settings;
    final TeacherService teacher;
    final StudentService student;

    private HostileInputStack(Map<String, String> settings, TeacherService teacher, StudentService student) {
        this.settings = settings;
        this.teacher = teacher;
        this.student = student;
    }

    /** An untrained registry teacher (built in seconds, never cnn:small): its logits are as valid as trained ones. */
    static Path untrainedTeacher(Path dir) throws IOException {
        Path file = dir.resolve("teacher.params");
        try (Model model = Models.newModel(Architectures.parse(TEACHER_ARCHITECTURE), "hostile-teacher", 7)) {
            Files.createDirectories(dir);
            Files.write(file, Models.parameterBytes(model));
        }
        return file;
    }

    /** Settings for both services: fresh topics, one partition, a small student, short join timers. */
    static Map<String, String> settings(String bootstrap, Path dir, Path teacherModel) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> s = new LinkedHashMap<>();
        s.put(DistillConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(DistillConfig.TOPIC_EVENTS, "hostile-events-" + run);
        s.put(DistillConfig.TOPIC_TEACHER_LOGITS, "hostile-logits-" + run);
        s.put(DistillConfig.TOPIC_LABELS, "hostile-labels-" + run);
        s.put(DistillConfig.TOPIC_CHECKPOINTS, "hostile-checkpoints-" + run);
        s.put(DistillConfig.TOPIC_EDGE_STATUS, "hostile-edge-status-" + run);
        s.put(DistillConfig.TOPIC_DEAD_LETTER, "hostile-dead-letter-" + run);
        s.put(DistillConfig.TOPIC_PARTITIONS, "1");
        s.put(DistillConfig.HTTP_PORT, "-1");
        s.put("teacher.id", "hostile-teacher");
        s.put(TeacherConfig.GROUP_ID, "hostile-teacher-" + run);
        s.put(TeacherConfig.TRANSACTIONAL_ID, "hostile-teacher-tx-" + run);
        s.put("teacher.model", teacherModel.toString());
        s.put("teacher.architecture", TEACHER_ARCHITECTURE);
        s.put(StudentJoinConfig.EXAMPLES_TOPIC, "hostile-examples-" + run);
        s.put(StudentJoinConfig.APPLICATION_ID, "hostile-join-" + run);
        s.put(StudentJoinConfig.JOIN_WINDOW_MS, "1000");
        s.put(StudentJoinConfig.ORPHAN_HOLD_MS, "2000");
        s.put("kafka.state.dir", dir.resolve("streams").toString());
        s.put("kafka.commit.interval.ms", "100");
        s.put(StudentServiceConfig.MODEL_NAME, "hostile-student");
        s.put(StudentServiceConfig.ARCHITECTURE, "mlp:784-32-10");
        s.put(StudentServiceConfig.BATCH_SIZE, "16");
        s.put(StudentServiceConfig.CHECKPOINT_DIR, dir.resolve("checkpoints").toString());
        s.put(StudentServiceConfig.SIGNING_KEY, dir.resolve("keys").resolve("signing.pem").toString());
        s.put(StudentServiceConfig.TRANSACTIONAL_ID, "hostile-publisher-" + run);
        return s;
    }

    /** Starts the student first (it creates the topics), then the teacher; on failure stops what started. */
    static HostileInputStack start(Map<String, String> settings) {
        StudentService student = StudentService.start(new StudentServiceConfig(settings));
        try {
            TeacherService teacher = TeacherService.start(new TeacherConfig(settings));
            return new HostileInputStack(settings, teacher, student);
        } catch (RuntimeException | Error e) {
            student.close();
            throw e;
        }
    }

    String topic(String key) {
        return settings.get(key);
    }

    /** The services' Kafka client settings: bootstrap plus every {@code kafka.*} security key, prefix removed. */
    Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", settings.get(DistillConfig.BOOTSTRAP_SERVERS));
        settings.forEach((k, v) -> {
            if (k.startsWith("kafka.security.") || k.startsWith("kafka.sasl.") || k.startsWith("kafka.ssl.")) {
                props.put(k.substring("kafka.".length()), v);
            }
        });
        return props;
    }

    @Override
    public void close() {
        try {
            teacher.close();
        } finally {
            student.close();
        }
    }

    /** Every committed record of {@code topic}, from the start to its current end. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(Map<String, Object> clientProps, String topic) {
        Map<String, Object> props = new HashMap<>(clientProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to " + end + " within 30 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** What a kcat run printed and how it ended. */
    record KcatResult(int exitCode, String output) {}

    /** Runs kcat with {@code args}, feeding {@code stdin} (may be null), and waits at most 60 s. */
    /** For a test class's {@code @BeforeAll}: fails with how to install kcat when it is missing. */
    static void assertKcatInstalled() {
        assertThat(Files.isExecutable(Path.of(KCAT)))
                .as("kcat is needed for this test (CI installs it): sudo apt-get install -y kcat").isTrue();
    }

    static KcatResult kcat(List<String> args, byte[] stdin) {
        List<String> command = new ArrayList<>();
        command.add(KCAT);
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            process.getInputStream().transferTo(output);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kcat " + args + " did not finish within 60 s");
            }
            return new KcatResult(process.exitValue(), output.toString(StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running kcat", e);
        }
    }
}
