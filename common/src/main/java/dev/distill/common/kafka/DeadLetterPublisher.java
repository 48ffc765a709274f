package dev.distill.common.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends dead letters through a caller-owned producer and counts them in {@value #METER} (tags {@code source.topic},
 * {@code reason}). When the producer is transactional and a transaction is open, the dead letter is part of it, so
 * it is written exactly when the consumed offsets are committed; an aborted and retried transaction counts again.
 */
public final class DeadLetterPublisher {

    public static final String METER = "distill.dead.letters";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final String deadLetterTopic;
    private final MeterRegistry registry;

    public DeadLetterPublisher(Producer<byte[], byte[]> producer, String deadLetterTopic, MeterRegistry registry) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.deadLetterTopic = Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** Sends {@code source} to the dead-letter topic with the reason of {@code error}; does not wait for the ack. */
    public Future<RecordMetadata> publish(ConsumerRecord<byte[], byte[]> source, Throwable error) {
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record(deadLetterTopic, source, error);
        String reason = DeadLetters.reason(error);
        Counter.builder(METER)
                .description("Records sent to the dead-letter topic")
                .tag("source.topic", source.topic())
                .tag("reason", reason)
                .register(registry)
                .increment();
        log.warn("dead-lettering {} record at partition {} offset {} ({}): {}", source.topic(), source.partition(),
                source.offset(), reason, DeadLetters.message(error));
        return producer.send(letter, (metadata, e) -> {
            if (e != null) {
                log.error("could not write dead letter for {}-{}@{} to {}", source.topic(), source.partition(),
                        source.offset(), deadLetterTopic, e);
            }
        });
    }
}
