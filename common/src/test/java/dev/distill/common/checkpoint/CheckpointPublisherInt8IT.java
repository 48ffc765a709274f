package dev.distill.common.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.signing.Sha256;
import dev.distill.testsupport.KafkaFixture;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class CheckpointPublisherInt8IT {

    private static final KafkaFixture KAFKA = KafkaFixture.shared();
    private static final Architecture ARCH = Architectures.parse("mlp:784-16-10");

    @Test
    void signsTheInt8VariantOfParameterArtifactsAndOmitsItForOtherBytes() {
        String topic = KAFKA.uniqueTopic("checkpoints-int8");
        KAFKA.createTopic(topic, 1);
        ManifestSigner signer = new ManifestSigner(Ed25519Keys.generate());
        byte[] params;
        try (Model m = Models.newModel(ARCH, "int8-publish", 3)) {
            params = Models.parameterBytes(m);
        }
        Map<String, Object> props = KAFKA.producerProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueTopic("int8-publisher"));

        // Given a publisher, when it publishes real parameters (v1) and bytes that are no parameters (v2)
        CheckpointManifest withInt8;
        CheckpointManifest without;
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            CheckpointPublisher publisher = new CheckpointPublisher(producer, topic, signer, "student",
                    CheckpointPublisher.DEFAULT_CHUNK_BYTES, 2, Clock.systemUTC());
            withInt8 = publisher.publish(1, ARCH.spec(), Map.of(), params, 100);
            without = publisher.publish(2, ARCH.spec(), Map.of(), new byte[3000], 100);
        }

        // Then v1's signed manifest names the hash and size of exactly the bytes the update API derives, v2's none
        byte[] int8 = Int8Artifact.quantize(ARCH, params);
        assertThat(withInt8.int8Sha256()).isEqualTo(Sha256.hex(int8));
        assertThat(withInt8.int8SizeBytes()).isEqualTo(int8.length);
        assertThat(signer.verifier().verify(withInt8.canonicalBytes(), withInt8.signature())).isTrue();
        assertThat(without.hasInt8()).isFalse();
        assertThat(signer.verifier().verify(without.canonicalBytes(), without.signature())).isTrue();

        // and a reader of the topic sees the same manifests
        try (CheckpointTopicReader reader = new CheckpointTopicReader(KAFKA.consumerProps("unused"), topic)) {
            assertThat(reader.catchUp(Duration.ofSeconds(30))).isTrue();
            assertThat(reader.version("student", 1).orElseThrow().manifest()).isEqualTo(withInt8);
            assertThat(reader.latest("student").orElseThrow().manifest()).isEqualTo(without);
        }
    }
}
