package dev.distill.common.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.testsupport.KafkaFixture;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class CheckpointTopicIT {

    private static final KafkaFixture KAFKA = KafkaFixture.shared();

    private static Producer<byte[], byte[]> transactionalProducer() {
        Map<String, Object> props = KAFKA.producerProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueTopic("checkpoint-publisher"));
        Producer<byte[], byte[]> producer = new KafkaProducer<>(props);
        producer.initTransactions();
        return producer;
    }

    @Test
    void readerReassemblesEveryRetainedVersionFromChunksAndTombstonesOldOnes() {
        String topic = KAFKA.uniqueTopic("checkpoints");
        KAFKA.createTopic(topic, 1);
        ManifestSigner signer = new ManifestSigner(Ed25519Keys.generate());
        Random random = new Random(11);
        List<byte[]> artifacts = new ArrayList<>();
        List<CheckpointManifest> published = new ArrayList<>();

        // Given three versions, each larger than one 16 KiB chunk, published keeping one previous version
        try (Producer<byte[], byte[]> producer = transactionalProducer()) {
            CheckpointPublisher publisher = new CheckpointPublisher(producer, topic, signer, "student",
                    16 << 10, 1, Clock.systemUTC());
            for (int v = 1; v <= 3; v++) {
                byte[] artifact = new byte[50_000 + v];
                random.nextBytes(artifact);
                artifacts.add(artifact);
                published.add(publisher.publish(v, "mlp:784-16-10", Map.of("accuracy", 0.5 + v / 10.0), artifact, 100));
            }
        }

        // When a fresh reader reads the topic from the beginning
        try (CheckpointTopicReader reader = new CheckpointTopicReader(KAFKA.consumerProps("unused"), topic)) {
            assertThat(reader.catchUp(Duration.ofSeconds(30))).isTrue();

            // Then it serves the latest version and the previous one with their exact bytes and manifests
            PublishedCheckpoint latest = reader.latest("student").orElseThrow();
            assertThat(latest.manifest()).isEqualTo(published.get(2));
            assertThat(latest.manifest().chunkCount()).isEqualTo(4);
            assertThat(latest.artifact()).isEqualTo(artifacts.get(2));
            assertThat(reader.artifact("student", 2)).hasValueSatisfying(a -> assertThat(a).isEqualTo(artifacts.get(1)));
            assertThat(reader.version("student", 2).orElseThrow().manifest()).isEqualTo(published.get(1));
            // version 1 fell out of the window (keep 1 previous) and was tombstoned
            assertThat(reader.versions("student")).containsExactly(2L, 3L);
            assertThat(reader.corruptVersions()).isZero();
            // and the manifest's signature verifies with the publisher's public key
            CheckpointManifest m = latest.manifest();
            assertThat(m.keyId()).isEqualTo(signer.keyId());
            assertThat(signer.verifier().verify(m.canonicalBytes(), m.signature())).isTrue();
        }
    }

    @Test
    void abortedPublishIsInvisibleToReadCommittedReaders() {
        String topic = KAFKA.uniqueTopic("checkpoints");
        KAFKA.createTopic(topic, 1);
        ManifestSigner signer = new ManifestSigner(Ed25519Keys.generate());
        try (Producer<byte[], byte[]> producer = transactionalProducer()) {
            CheckpointPublisher publisher = new CheckpointPublisher(producer, topic, signer, "student",
                    1024, 1, Clock.systemUTC());
            publisher.publish(1, "mlp:784-16-10", Map.of(), new byte[3000], 100);
            // a transaction with chunks of v2 that is aborted, as after a crash mid-publish
            producer.beginTransaction();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
                    CheckpointKeys.bytes(CheckpointKeys.chunk("student", 2, 0)), new byte[1024]));
            producer.abortTransaction();
        }
        try (CheckpointTopicReader reader = new CheckpointTopicReader(KAFKA.consumerProps("unused"), topic)) {
            assertThat(reader.catchUp(Duration.ofSeconds(30))).isTrue();
            assertThat(reader.latest("student")).hasValueSatisfying(c -> assertThat(c.version()).isEqualTo(1));
            assertThat(reader.versions("student")).containsExactly(1L);
        }
    }
}
