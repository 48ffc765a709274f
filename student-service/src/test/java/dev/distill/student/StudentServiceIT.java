package dev.distill.student;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.checkpoint.CheckpointTopicReader;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.signing.ManifestVerifier;
import dev.distill.common.signing.Sha256;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.testsupport.KafkaFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class StudentServiceIT {

    private static final Logger LOG = LoggerFactory.getLogger(StudentServiceIT.class);
    private static final int EVENTS = 5000;

    @TempDir
    Path dir;

    @Test
    void trainsOnTheJoinedStreamAndPublishesASignedCheckpoint() throws Exception {
        // Given a teacher trained briefly on labels, its logits for the first EVENTS training images, and the service
        KafkaFixture kafka = KafkaFixture.shared();
        LabelledImages train = StudentTestData.train();
        float[] logits = StudentTestData.teacherLogits(train, 10_000, 20_000, 2, EVENTS);
        Map<String, String> settings = StudentTestData.settings(kafka, dir);
        settings.put(StudentServiceConfig.CHECKPOINT_EVERY_EXAMPLES, "1500");
        settings.put(StudentServiceConfig.GATE_EPSILON, "0.1");
        StudentServiceConfig config = StudentMain.config(Map.of(), args(settings));
        StudentTestData.createInputTopics(kafka, config);
        int expected = EVENTS + EVENTS / 2; // one SOFT example per event, one LABELLED per labelled event

        StudentService service = StudentService.start(config);
        long trainingStarted;
        long trainingDone;
        try {
            // When the events, their teacher logits and labels for half of them are produced
            StudentTestData.produce(kafka, config, train, logits, 0, EVENTS, System.currentTimeMillis() - 60_000);
            trainingStarted = System.nanoTime();

            // Then the service is ready and trains every joined example exactly once
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(service::isReady);
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + service.httpPort() + "/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            Awaitility.await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200))
                    .until(() -> service.trainer().examplesTrained() >= expected);
            trainingDone = System.nanoTime();
            Thread.sleep(1_000); // nothing more may arrive: no duplicates from the join or the trainer
            assertThat(service.trainer().examplesTrained()).isEqualTo(expected);
            assertThat(service.trainer().deadLettered()).isZero();
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + service.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("distill_student_examples_total", "distill_student_accuracy",
                    "kafka_consumer_", "kafka_stream_");
        } finally {
            service.close();
        }
        LOG.info("student-it trainer_examples={} seconds={} examples_per_s={}", expected,
                (trainingDone - trainingStarted) / 1e9, expected / ((trainingDone - trainingStarted) / 1e9));

        // And a signed checkpoint was published whose signature verifies and whose artifact beats chance clearly
        Optional<PublishedCheckpoint> latest;
        try (CheckpointTopicReader reader = new CheckpointTopicReader(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), config.getString(StudentServiceConfig.TOPIC_CHECKPOINTS))) {
            assertThat(reader.catchUp(Duration.ofSeconds(30))).isTrue();
            latest = reader.latest(config.modelName());
        }
        assertThat(latest).isPresent();
        CheckpointManifest manifest = latest.get().manifest();
        ManifestVerifier verifier = ManifestVerifier.fromFile(config.signingPublicKey());
        assertThat(manifest.isSigned()).isTrue();
        assertThat(verifier.verify(manifest.canonicalBytes(), manifest.signature())).isTrue();
        assertThat(manifest.sha256()).isEqualTo(Sha256.hex(latest.get().artifact()));
        assertThat(manifest.architecture()).isEqualTo(config.architecture());
        double accuracy = StudentTestData.accuracy(config.architecture(), latest.get().artifact(),
                StudentTestData.test(), 2_000);
        LOG.info("published {} v{} with metrics {}: test accuracy {}", manifest.modelName(), manifest.version(),
                manifest.metrics(), accuracy);
        assertThat(accuracy).isGreaterThan(0.6);
    }

    static String[] args(Map<String, String> settings) {
        return settings.entrySet().stream().flatMap(e -> java.util.stream.Stream.of("--set", e.getKey() + "=" + e.getValue()))
                .toArray(String[]::new);
    }
}
