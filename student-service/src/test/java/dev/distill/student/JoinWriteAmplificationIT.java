package dev.distill.student;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.data.LabelledImages;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.testsupport.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The design's cost rule on a real broker: features are written to Kafka once, by the producer, and what the join
 * and trainer write back (examples, changelogs, checkpoints, offsets, transaction markers) plus the teacher's logits
 * stays at or below 0.2 bytes per byte of events in. Every event is labelled 2,000 events late.
 */
class JoinWriteAmplificationIT {

    private static final Logger LOG = LoggerFactory.getLogger(JoinWriteAmplificationIT.class);
    private static final int EVENTS = 12_000;
    private static final int LABEL_DELAY_EVENTS = 2_000;

    @TempDir
    Path dir;

    @Test
    void writesBackAtMostAFifthOfTheEventBytes() throws Exception {
        // Given the service on fresh topics and the shared broker's internal topics as they are now
        KafkaFixture kafka = KafkaFixture.shared();
        LabelledImages train = StudentTestData.train();
        Map<String, String> settings = StudentTestData.settings(kafka, dir);
        settings.remove("kafka.commit.interval.ms"); // the join's own default, as users run it
        settings.put(StudentServiceConfig.BATCH_SIZE, "64");
        StudentServiceConfig config = StudentMain.config(Map.of(), StudentServiceIT.args(settings));
        StudentTestData.createInputTopics(kafka, config);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<String, Long> before = topicBytes(admin);
            int expected = 2 * EVENTS;
            try (StudentService service = StudentService.start(config)) {
                // When every event, its logits and (LABEL_DELAY_EVENTS events later) its label are produced
                produce(kafka, config, train);
                Awaitility.await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
                        .until(() -> service.trainer().examplesTrained() >= expected);
                Thread.sleep(2_000); // the join's and the checkpoint writer's last commits
                assertThat(service.trainer().examplesTrained()).isEqualTo(expected);
                assertThat(service.trainer().deadLettered()).isZero();
            }

            // Then the bytes written back, per topic, stay within a fifth of the events' bytes
            Map<String, Long> after = topicBytes(admin);
            long events = after.get(config.eventsTopic());
            Map<String, Long> written = new TreeMap<>();
            after.forEach((topic, bytes) -> {
                boolean ours = topic.equals(config.teacherLogitsTopic()) || topic.equals(config.examplesTopic())
                        || topic.startsWith(config.applicationId() + "-")
                        || topic.equals(config.getString(StudentServiceConfig.TOPIC_CHECKPOINTS))
                        || topic.equals(config.deadLetterTopic()) || topic.startsWith("__");
                long delta = bytes - before.getOrDefault(topic, 0L);
                if (ours && delta > 0) {
                    written.put(topic, delta);
                }
            });
            long total = written.values().stream().mapToLong(Long::longValue).sum();
            double amplification = (double) total / events;
            LOG.info("join-write-amplification events_bytes={} written_bytes={} ratio={} per_topic={}", events, total,
                    String.format("%.3f", amplification), written);
            assertThat(amplification).as("bytes written back per byte of events, per topic %s", written)
                    .isLessThanOrEqualTo(0.2);
        }
    }

    private static void produce(KafkaFixture kafka, StudentServiceConfig config, LabelledImages images) {
        Map<String, Object> props = kafka.producerProps();
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        EventCodec events = new EventCodec();
        TeacherLogitsCodec teacher = new TeacherLogitsCodec();
        LabelCodec labels = new LabelCodec();
        long t0 = System.currentTimeMillis() - 600_000;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < EVENTS + LABEL_DELAY_EVENTS; i++) {
                long ts = t0 + i;
                if (i < EVENTS) {
                    byte[] key = ("fm-" + i).getBytes(StandardCharsets.UTF_8);
                    ProducerRecord<byte[], byte[]> event = new ProducerRecord<>(config.eventsTopic(), null, ts, key,
                            events.encode(new Event("fm-" + i, ts, new int[] {28, 28}, images.image(i)),
                                    Encoding.BINARY));
                    Encoding.BINARY.writeTo(event.headers());
                    producer.send(event);
                    float[] logits = new float[10];
                    logits[images.label(i)] = 3f;
                    ProducerRecord<byte[], byte[]> t = new ProducerRecord<>(config.teacherLogitsTopic(), null, ts, key,
                            teacher.encode(TeacherLogits.dense("teacher-mlp", "8999a0b0a773", ts, logits),
                                    Encoding.BINARY));
                    Encoding.BINARY.writeTo(t.headers());
                    producer.send(t);
                }
                int labelled = i - LABEL_DELAY_EVENTS;
                if (labelled >= 0) {
                    producer.send(new ProducerRecord<>(config.labelsTopic(), null, ts,
                            ("fm-" + labelled).getBytes(StandardCharsets.UTF_8),
                            labels.encode(new Label(images.label(labelled), ts), Encoding.JSON)));
                }
            }
            producer.flush();
        }
    }

    /** Bytes of every topic's log on the broker (all partitions, all replicas). */
    private static Map<String, Long> topicBytes(Admin admin) throws Exception {
        Map<String, Long> bytes = new TreeMap<>();
        var brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
        for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
            for (LogDirDescription d : dirs.values()) {
                d.replicaInfos().forEach((tp, info) -> bytes.merge(tp.topic(), info.size(), Long::sum));
            }
        }
        return bytes;
    }
}
