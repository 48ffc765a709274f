package dev.distill.student;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.checkpoint.CheckpointTopicReader;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.common.signing.ManifestVerifier;
import dev.distill.common.signing.Sha256;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.training.Batch;
import dev.distill.student.training.OnlineStudent;
import dev.distill.student.training.StudentConfig;
import dev.distill.testsupport.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * End-to-end quality check: the Fashion-MNIST training split streamed once through the real service on the real
 * broker (events, teacher logits, labels for 30 % of the events arriving well after their events) yields a published
 * student that scores on the test split at least as well as the same architecture trained offline on hard labels for
 * one epoch, and far better than an untrained one.
 *
 * <p>{@code -Ddistill.accuracy.events=N} streams only the first N training images (quick runs; the offline baseline
 * then also sees only those N); the default is the whole split, which is what the comparison is about.
 */
class StudentAccuracyIT {

    private static final Logger LOG = LoggerFactory.getLogger(StudentAccuracyIT.class);

    private static final int EVENTS = Integer.getInteger("distill.accuracy.events", 60_000);
    /** Every event whose index ends in 0, 1 or 2 (mod 10) gets a label: 30 %. */
    private static final int LABELLED_PER_TEN = 3;
    /**
     * Labels are produced this many events after their event (at least 10 s of stream time with events 1 ms apart),
     * so they arrive long after the 5 s teacher window has emitted the event's SOFT example.
     */
    private static final int LABEL_LAG_EVENTS = 10_000;
    /**
     * Tolerance of "at least as well": one point of accuracy on 10 000 test images. Both sides are single runs of a
     * stochastic procedure (batch order in the service depends on partition interleaving), and one point is about
     * the run-to-run spread of one-epoch Fashion-MNIST MLPs; a real regression (e.g. ignoring teacher logits or the
     * delayed labels) costs several points.
     */
    private static final double TOLERANCE = 0.01;
    private static final double OVER_UNTRAINED = 0.3;

    @TempDir
    Path dir;

    @Test
    void streamedStudentScoresAtLeastAsWellAsOneOfflineEpochOnHardLabels() throws Exception {
        // Given a teacher trained on the labels (2 epochs of the whole split) and the service with default student
        KafkaFixture kafka = KafkaFixture.shared();
        LabelledImages train = StudentTestData.train();
        LabelledImages test = StudentTestData.test();
        int events = Math.min(EVENTS, train.count());
        long started = System.nanoTime();
        float[] logits = StudentTestData.teacherLogits(train, 0, train.count(), 2, events);
        double teacherSeconds = (System.nanoTime() - started) / 1e9;

        Map<String, String> settings = StudentTestData.settings(kafka, dir);
        settings.put(StudentServiceConfig.CHECKPOINT_EVERY_EXAMPLES, "20000");
        // The gate is not under test here: publish every checkpoint so the newest one reflects the whole stream.
        settings.put(StudentServiceConfig.GATE_EPSILON, "1.0");
        StudentServiceConfig config = StudentMain.config(Map.of(), StudentServiceIT.args(settings));
        StudentTestData.createInputTopics(kafka, config);
        Architecture arch = Architectures.parse(config.architecture());

        // Baselines, trained before the service starts (only one student may train per JVM at a time)
        double untrained = untrainedAccuracy(arch, config.seed(), test);
        double offline = offlineHardOneEpoch(config, train, events, test);

        // When the training split streams through the service once and the service is closed after training it all
        int labelled = 0;
        for (int i = 0; i < events; i++) {
            labelled += isLabelled(i) ? 1 : 0;
        }
        long expected = (long) events + labelled; // one SOFT per event, one LABELLED per labelled event
        long streamStarted = System.nanoTime();
        StudentService service = StudentService.start(config);
        try {
            produce(kafka, config, train, logits, events, System.currentTimeMillis() - 600_000);
            Awaitility.await().atMost(Duration.ofMinutes(20)).pollInterval(Duration.ofMillis(500))
                    .until(() -> service.failure().isPresent() || service.trainer().examplesTrained() >= expected);
            assertThat(service.failure()).isEmpty();
            assertThat(service.trainer().examplesTrained()).isEqualTo(expected);
            assertThat(service.trainer().deadLettered()).isZero();
        } finally {
            service.close(); // trains what is pending, writes and publishes the final checkpoint
        }
        double streamSeconds = (System.nanoTime() - streamStarted) / 1e9;

        // Then the newest published student, loaded from its published bytes alone, is signed and scores well
        PublishedCheckpoint latest = newestPublished(kafka, config);
        CheckpointManifest manifest = latest.manifest();
        assertThat(manifest.isSigned()).isTrue();
        assertThat(ManifestVerifier.fromFile(config.signingPublicKey())
                .verify(manifest.canonicalBytes(), manifest.signature())).isTrue();
        assertThat(manifest.sha256()).isEqualTo(Sha256.hex(latest.artifact()));
        double online;
        try (Model model = Models.loadModel(Architectures.parse(manifest.architecture()), "published",
                latest.artifact())) {
            online = Models.accuracy(model, Architectures.parse(manifest.architecture()), test);
        }
        String line = String.format(Locale.ROOT, "student-accuracy online=%.4f offline_hard_1epoch=%.4f "
                        + "untrained=%.4f events=%d labelled=%d published_version=%d stream_seconds=%.1f "
                        + "teacher_seconds=%.1f", online, offline, untrained, events, labelled, manifest.version(),
                streamSeconds, teacherSeconds);
        System.out.println(line);
        LOG.info("{}", line);
        assertThat(online).isGreaterThanOrEqualTo(offline - TOLERANCE);
        assertThat(online).isGreaterThan(untrained + OVER_UNTRAINED);
    }

    private static boolean isLabelled(int i) {
        return i % 10 < LABELLED_PER_TEN;
    }

    /**
     * Events (binary) and teacher logits (binary) in order, one ms of event time apart; the label of a labelled
     * event is produced {@link #LABEL_LAG_EVENTS} events later (the rest after the last event), timestamped then.
     */
    private static void produce(KafkaFixture kafka, StudentServiceConfig config, LabelledImages images,
                                float[] logits, int events, long t0) {
        Map<String, Object> props = kafka.producerProps();
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        EventCodec eventCodec = new EventCodec();
        TeacherLogitsCodec teacherCodec = new TeacherLogitsCodec();
        LabelCodec labelCodec = new LabelCodec();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < events + LABEL_LAG_EVENTS; i++) {
                long ts = t0 + i;
                if (i < events) {
                    String id = "fm-" + i;
                    byte[] key = id.getBytes(StandardCharsets.UTF_8);
                    float[] l = new float[10];
                    System.arraycopy(logits, i * 10, l, 0, 10);
                    ProducerRecord<byte[], byte[]> event = new ProducerRecord<>(config.eventsTopic(), null, ts, key,
                            eventCodec.encode(new Event(id, ts, new int[] {28, 28}, images.image(i)), Encoding.BINARY));
                    Encoding.BINARY.writeTo(event.headers());
                    producer.send(event);
                    ProducerRecord<byte[], byte[]> teacher = new ProducerRecord<>(config.teacherLogitsTopic(), null,
                            ts, key, teacherCodec.encode(TeacherLogits.dense("teacher-mlp", "v1", ts, l),
                            Encoding.BINARY));
                    Encoding.BINARY.writeTo(teacher.headers());
                    producer.send(teacher);
                }
                int late = i - LABEL_LAG_EVENTS;
                if (late >= 0 && late < events && isLabelled(late)) {
                    byte[] key = ("fm-" + late).getBytes(StandardCharsets.UTF_8);
                    ProducerRecord<byte[], byte[]> label = new ProducerRecord<>(config.labelsTopic(), null, ts, key,
                            labelCodec.encode(new Label(images.label(late), ts), Encoding.JSON));
                    producer.send(label);
                }
            }
            producer.flush();
        }
    }

    /**
     * The same architecture, seed, learning rate and batch size as the service's student, one epoch on the hard
     * labels of all {@code events} streamed images (the whole split by default; labelled or not in the stream).
     */
    private static double offlineHardOneEpoch(StudentServiceConfig config, LabelledImages train, int events,
                                              LabelledImages test) {
        StudentConfig cfg = new StudentConfig(config.architecture(), config.temperature(), 1f, config.learningRate(),
                config.batchSize(), config.seed());
        int batch = cfg.batchSize();
        int size = train.imageSize();
        try (OnlineStudent student = OnlineStudent.create(cfg, Clock.systemUTC())) {
            for (int start = 0; start < events; start += batch) {
                int n = Math.min(batch, events - start);
                float[] x = new float[n * size];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    train.copyImage(start + i, x, i * size);
                    y[i] = train.label(start + i);
                }
                student.step(new Batch(n, x, new float[n * 10], new boolean[n], y));
            }
            return Models.accuracy(student.model(), student.architecture(), test);
        }
    }

    private static double untrainedAccuracy(Architecture arch, int seed, LabelledImages test) {
        try (Model model = Models.newModel(arch, "untrained", seed)) {
            return Models.accuracy(model, arch, test);
        }
    }


    private static PublishedCheckpoint newestPublished(KafkaFixture kafka, StudentServiceConfig config) {
        try (CheckpointTopicReader reader = new CheckpointTopicReader(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), config.getString(StudentServiceConfig.TOPIC_CHECKPOINTS))) {
            assertThat(reader.catchUp(Duration.ofSeconds(60))).isTrue();
            Optional<PublishedCheckpoint> latest = reader.latest(config.modelName());
            assertThat(latest).as("a published checkpoint of %s", config.modelName()).isPresent();
            return latest.get();
        }
    }
}
