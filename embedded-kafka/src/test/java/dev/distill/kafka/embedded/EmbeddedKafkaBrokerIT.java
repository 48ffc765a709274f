package dev.distill.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIT {

    private static final Duration GENEROUS = Duration.ofSeconds(120);

    @Test
    void startsAndRoundTripsARecordWithinAGenerousBound() throws Exception {
        // Given a broker on a temp dir and free ports
        long t0 = System.nanoTime();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            long startMs = millisSince(t0);

            // When a record is produced and consumed
            String topic = "roundtrip-" + UUID.randomUUID();
            send(broker, topic, "hello");
            List<String> values = consumeAtLeast(broker, topic, 1, IsolationLevel.READ_UNCOMMITTED);
            long roundtripMs = millisSince(t0);

            // Then it comes back, and start-up stays far inside the bound
            System.out.println("embedded-broker-bench start_ms=" + startMs + " first_roundtrip_ms=" + roundtripMs);
            assertThat(values).containsExactly("hello");
            assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + broker.port());
            assertThat(Duration.ofMillis(roundtripMs)).isLessThan(GENEROUS);
        }
    }

    @Test
    void restartOnTheSameLogDirKeepsProducedRecords(@TempDir Path logDir) throws Exception {
        // Given a broker on an explicit log dir holding one record
        String topic = "restart-" + UUID.randomUUID();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optLogDir(logDir).build().start()) {
            send(broker, topic, "before-restart");
            String bootstrap = broker.bootstrapServers();

            // When it restarts
            broker.restart();

            // Then it is on the same address and the record is still there
            assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(consumeAtLeast(broker, topic, 1, IsolationLevel.READ_UNCOMMITTED)).containsExactly("before-restart");
        }

        // And a new broker on the kept dir sees it too
        assertThat(logDir.resolve("meta.properties")).exists();
        try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.builder().optLogDir(logDir).build().start()) {
            assertThat(consumeAtLeast(again, topic, 1, IsolationLevel.READ_UNCOMMITTED)).containsExactly("before-restart");
        }
    }

    @Test
    void transactionalProducerInitsAndCommits() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            // Given a transactional producer
            String topic = "tx-" + UUID.randomUUID();
            Map<String, Object> props = producerProps(broker);
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
                // When it initialises (needs the one-replica transaction log) and commits
                long t0 = System.nanoTime();
                producer.initTransactions();
                System.out.println("embedded-broker-bench init_transactions_ms=" + millisSince(t0));
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, bytes("committed")));
                producer.commitTransaction();
            }

            // Then a read_committed consumer sees the record
            assertThat(consumeAtLeast(broker, topic, 1, IsolationLevel.READ_COMMITTED)).containsExactly("committed");
        }
    }

    @Test
    void extraBrokerPropertiesOverrideDefaults() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .optNumPartitions(3)
                .optBrokerProperty("auto.create.topics.enable", "false")
                .build();
        try {
            assertThat(broker.brokerProperties())
                    .containsEntry("num.partitions", "3")
                    .containsEntry("auto.create.topics.enable", "false")
                    .containsEntry("offsets.topic.replication.factor", "1");
        } finally {
            broker.close();
        }
        assertThat(broker.logDir()).doesNotExist();
    }

    private static void send(EmbeddedKafkaBroker broker, String topic, String value) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(broker))) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, bytes(value))).get();
            assertThat(metadata.offset()).isGreaterThanOrEqualTo(0);
        }
    }

    private static List<String> consumeAtLeast(EmbeddedKafkaBroker broker, String topic, int count,
                                               IsolationLevel isolation) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= count;
            });
        }
        return values;
    }

    private static Map<String, Object> producerProps(EmbeddedKafkaBroker broker) {
        Map<String, Object> props = new java.util.HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
