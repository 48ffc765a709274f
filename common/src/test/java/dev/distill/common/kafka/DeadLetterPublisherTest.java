package dev.distill.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class DeadLetterPublisherTest {

    @Test
    void sendsInsideTheOpenTransactionAndCountsByTopicAndReason() {
        // Given a transactional producer with an open transaction (Kafka's in-memory MockProducer, no broker needed)
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
        producer.beginTransaction();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DeadLetterPublisher publisher = new DeadLetterPublisher(producer, "distill.dead-letter", registry);

        // When two bad records are dead-lettered and the transaction commits
        publisher.publish(DeadLettersTest.source(DeadLettersTest.utf8("e-1"), new byte[] {1}),
                new MalformedRecordException(Reason.NOT_JSON, "event: not valid JSON"));
        publisher.publish(DeadLettersTest.source(DeadLettersTest.utf8("e-2"), new byte[] {2}),
                new MalformedRecordException(Reason.NOT_JSON, "event: not valid JSON"));
        producer.commitTransaction();

        // Then both are written in that transaction and counted once each
        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.history()).hasSize(2)
                .allSatisfy(r -> assertThat(r.topic()).isEqualTo("distill.dead-letter"));
        assertThat(registry.get(DeadLetterPublisher.METER).tag("source.topic", "distill.events")
                .tag("reason", "NOT_JSON").counter().count()).isEqualTo(2.0);
    }
}
