package dev.distill.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.RecordLimits;
import dev.distill.testsupport.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.Test;

class DeadLetterPublisherIT {

    private static final KafkaFixture kafka = KafkaFixture.shared();

    @Test
    void badRecordReachesTheDeadLetterTopicWithItsReasonInsideATransaction() throws Exception {
        // Given a bad event on the events topic (wrong shape for a [28,28] model)
        String events = kafka.uniqueTopic("events");
        String deadLetters = kafka.uniqueTopic("dead-letter");
        kafka.createTopic(events, 1);
        kafka.createTopic(deadLetters, 1);
        byte[] bad = "{\"id\":\"e-9\",\"timestamp\":1,\"shape\":[2,2],\"features\":[0,0,0,0]}".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(kafka.producerProps())) {
            plain.send(new ProducerRecord<>(events, "e-9".getBytes(StandardCharsets.UTF_8), bad)).get();
        }

        // When a transactional reader fails to decode it and dead-letters it
        ConsumerRecord<byte[], byte[]> source = readAll(events, 1, "read_uncommitted").get(0);
        EventCodec codec = new EventCodec(RecordLimits.of(10, 28, 28));
        MalformedRecordException error = null;
        try {
            codec.decode(source.value(), source.headers());
        } catch (MalformedRecordException e) {
            error = e;
        }
        assertThat(error).isNotNull();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> props = kafka.producerProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "dlq-it-" + UUID.randomUUID());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            new DeadLetterPublisher(producer, deadLetters, registry).publish(source, error);
            producer.commitTransaction();
        }

        // Then a read_committed reader sees the original bytes with the reason and where it came from
        ConsumerRecord<byte[], byte[]> dead = readAll(deadLetters, 1, "read_committed").get(0);
        assertThat(dead.key()).isEqualTo("e-9".getBytes(StandardCharsets.UTF_8));
        assertThat(dead.value()).isEqualTo(bad);
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.ERROR_REASON)).isEqualTo("WRONG_SHAPE");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.ERROR_MESSAGE)).contains("expected [28, 28]");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.ERROR_CLASS)).isEqualTo(MalformedRecordException.class.getName());
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(events);
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo(Long.toString(source.offset()));
        assertThat(registry.get(DeadLetterPublisher.METER).tag("source.topic", events).tag("reason", "WRONG_SHAPE")
                .counter().count()).isEqualTo(1.0);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected, String isolation) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        Map<String, Object> props = kafka.consumerProps(topic + "-reader");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        assertThat(out).as("records on " + topic).hasSize(expected);
        return out;
    }
}
