package dev.distill.student;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.topology.StudentJoinConfig;
import dev.distill.student.training.Batch;
import dev.distill.student.training.OnlineStudent;
import dev.distill.student.training.StudentConfig;
import dev.distill.testsupport.KafkaFixture;
import ai.djl.Model;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Fashion-MNIST as a live stream for the student-service tests: a briefly trained teacher, its logits, labels. */
final class StudentTestData {

    static final String TEACHER_ARCH = "mlp:784-256-10";
    static final int PARTITIONS = 2;

    private StudentTestData() {}

    static LabelledImages train() {
        return FashionMnist.load(FashionMnist.DEFAULT_DIR, Split.TRAIN);
    }

    static LabelledImages test() {
        return FashionMnist.load(FashionMnist.DEFAULT_DIR, Split.TEST);
    }

    /**
     * Trains a {@value #TEACHER_ARCH} on labels only (images {@code from..from+count}) for {@code epochs} and returns
     * its logits for images {@code 0..events}. Runs on the calling thread; nothing else may train in this JVM meanwhile.
     */
    static float[] teacherLogits(LabelledImages images, int from, int count, int epochs, int events) {
        StudentConfig cfg = new StudentConfig(TEACHER_ARCH, 1f, 1f, 1e-3f, 64, 7);
        int size = images.imageSize();
        try (OnlineStudent teacher = OnlineStudent.create(cfg, Clock.systemUTC())) {
            for (int e = 0; e < epochs; e++) {
                for (int start = from; start + 64 <= from + count; start += 64) {
                    float[] x = new float[64 * size];
                    int[] y = new int[64];
                    for (int i = 0; i < 64; i++) {
                        images.copyImage(start + i, x, i * size);
                        y[i] = images.label(start + i);
                    }
                    teacher.step(new Batch(64, x, new float[64 * 10], new boolean[64], y));
                }
            }
            float[] x = new float[events * size];
            for (int i = 0; i < events; i++) {
                images.copyImage(i, x, i * size);
            }
            return teacher.logits(x, events);
        }
    }

    /**
     * Produces events {@code from..to} (binary), their teacher logits (binary) and, for every other event, its label
     * (JSON) a few ms of stream time later, so that labelled examples interleave with soft ones.
     */
    static void produce(KafkaFixture kafka, StudentJoinConfig config, LabelledImages images, float[] logits, int from,
                        int to, long t0) {
        Map<String, Object> props = kafka.producerProps();
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        EventCodec events = new EventCodec();
        TeacherLogitsCodec teacher = new TeacherLogitsCodec();
        LabelCodec labels = new LabelCodec();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = from; i < to; i++) {
                String id = "fm-" + i;
                byte[] key = id.getBytes(StandardCharsets.UTF_8);
                long ts = t0 + i;
                float[] l = new float[10];
                System.arraycopy(logits, i * 10, l, 0, 10);
                ProducerRecord<byte[], byte[]> event = new ProducerRecord<>(config.eventsTopic(), null, ts, key,
                        events.encode(new Event(id, ts, new int[] {28, 28}, images.image(i)), Encoding.BINARY));
                Encoding.BINARY.writeTo(event.headers());
                producer.send(event);
                ProducerRecord<byte[], byte[]> teacherRecord = new ProducerRecord<>(config.teacherLogitsTopic(), null,
                        ts, key, teacher.encode(TeacherLogits.dense("teacher-mlp", "v1", ts, l), Encoding.BINARY));
                Encoding.BINARY.writeTo(teacherRecord.headers());
                producer.send(teacherRecord);
                if (i % 2 == 0) {
                    producer.send(new ProducerRecord<>(config.labelsTopic(), null, ts + 5, key, labels.encode(
                            new Label(images.label(i), ts + 5), Encoding.JSON)));
                }
            }
            producer.flush();
        }
    }

    /** Settings shared by the tests: unique topics and application id, temp dirs, fast checkpoints. */
    static Map<String, String> settings(KafkaFixture kafka, Path dir) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(DistillConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        s.put(DistillConfig.TOPIC_EVENTS, kafka.uniqueTopic("events"));
        s.put(DistillConfig.TOPIC_TEACHER_LOGITS, kafka.uniqueTopic("logits"));
        s.put(DistillConfig.TOPIC_LABELS, kafka.uniqueTopic("labels"));
        s.put(DistillConfig.TOPIC_CHECKPOINTS, kafka.uniqueTopic("checkpoints"));
        s.put(DistillConfig.TOPIC_EDGE_STATUS, kafka.uniqueTopic("edge-status"));
        s.put(DistillConfig.TOPIC_DEAD_LETTER, kafka.uniqueTopic("dead-letter"));
        s.put(DistillConfig.TOPIC_PARTITIONS, Integer.toString(PARTITIONS));
        s.put(StudentJoinConfig.EXAMPLES_TOPIC, kafka.uniqueTopic("examples"));
        s.put(StudentJoinConfig.APPLICATION_ID, kafka.uniqueTopic("student-join"));
        s.put("kafka.state.dir", dir.resolve("streams").toString());
        s.put("kafka.commit.interval.ms", "100");
        s.put(StudentServiceConfig.MODEL_NAME, "fashion-student");
        s.put(StudentServiceConfig.CHECKPOINT_DIR, dir.resolve("checkpoints").toString());
        s.put(StudentServiceConfig.SIGNING_KEY, dir.resolve("keys").resolve("signing.pem").toString());
        s.put(StudentServiceConfig.LEARNING_RATE, "0.002");
        s.put(StudentServiceConfig.BATCH_SIZE, "32");
        s.put(StudentServiceConfig.GATE_MIN_LABELS, "20");
        s.put(DistillConfig.HTTP_PORT, "0");
        return s;
    }

    static void createInputTopics(KafkaFixture kafka, StudentJoinConfig config) {
        kafka.createTopic(config.eventsTopic(), PARTITIONS);
        kafka.createTopic(config.teacherLogitsTopic(), PARTITIONS);
        kafka.createTopic(config.labelsTopic(), PARTITIONS);
    }

    /** Top-1 accuracy of DJL parameter bytes of {@code arch} on the first {@code n} test images. */
    static double accuracy(String arch, byte[] parameters, LabelledImages test, int n) {
        Architecture a = Architectures.parse(arch);
        int size = test.imageSize();
        try (Model model = Models.loadModel(a, "check", parameters)) {
            float[] x = new float[n * size];
            for (int i = 0; i < n; i++) {
                test.copyImage(i, x, i * size);
            }
            int[] predicted = OnlineStudent.argmax(Models.logits(model, a, x, n), n, a.numClasses());
            int correct = 0;
            for (int i = 0; i < n; i++) {
                if (predicted[i] == test.label(i)) {
                    correct++;
                }
            }
            return (double) correct / n;
        }
    }
}
