package dev.distill.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

class KafkaFixtureIT {

    @Test
    void sharedFixtureIsOneWorkingBrokerPerJvm() throws Exception {
        // Given the shared fixture and a topic with two partitions
        KafkaFixture kafka = KafkaFixture.shared();
        String topic = kafka.uniqueTopic("fixture");
        kafka.createTopic(topic, 2);

        // When a record is produced and consumed through the helper settings
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
                    "v".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProps(topic + "-group"))) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return !values.isEmpty();
            });
        }

        // Then the record round-trips, the topic has its partitions, and shared() is the same broker
        assertThat(values).containsExactly("v");
        try (Admin admin = Admin.create(kafka.adminProps())) {
            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions()).hasSize(2);
        }
        assertThat(KafkaFixture.shared()).isSameAs(kafka);
        boolean forcedEmbedded = "embedded".equals(System.getProperty(KafkaFixture.BROKER_SELECTOR,
                System.getenv(KafkaFixture.BROKER_SELECTOR)));
        assertThat(kafka.isDocker())
                .isEqualTo(!forcedEmbedded && DockerClientFactory.instance().isDockerAvailable());
    }

    @Test
    void uniqueTopicsDifferPerCall() {
        KafkaFixture kafka = KafkaFixture.shared();

        Set<String> topics = IntStream.range(0, 100).mapToObj(i -> kafka.uniqueTopic("same"))
                .collect(Collectors.toSet());

        assertThat(topics).hasSize(100).allSatisfy(t -> assertThat(t).startsWith("same-"));
    }
}
