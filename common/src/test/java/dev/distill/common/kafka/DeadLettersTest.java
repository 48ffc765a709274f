package dev.distill.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    static ConsumerRecord<byte[], byte[]> source(byte[] key, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("distill-encoding", utf8("binary"));
        headers.add("trace", new byte[] {1, 2, 3});
        headers.add(DeadLetters.ERROR_REASON, utf8("OLD"));
        return new ConsumerRecord<>("distill.events", 3, 1812L, 1_700_000_000_123L, TimestampType.CREATE_TIME,
                key == null ? -1 : key.length, value == null ? -1 : value.length, key, value, headers, Optional.empty());
    }

    @Test
    void forwardsOriginalBytesAndHeadersPlusWhyAndWhereFrom() {
        // Given a record that failed to decode
        byte[] key = utf8("e-1");
        byte[] value = {(byte) 0xD1, 0x57, 9};
        ConsumerRecord<byte[], byte[]> source = source(key, value);
        MalformedRecordException error = new MalformedRecordException(Reason.WRONG_SHAPE,
                "event e-1: expected [28, 28] (784 features), got [27, 29] (783 features)");

        // When it is turned into a dead letter
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record("distill.dead-letter", source, error);

        // Then bytes and original headers are kept and the error headers are added once
        assertThat(letter.topic()).isEqualTo("distill.dead-letter");
        assertThat(letter.key()).isEqualTo(key).isNotSameAs(key);
        assertThat(letter.value()).isEqualTo(value).isNotSameAs(value);
        assertThat(letter.partition()).isNull();
        assertThat(letter.headers().lastHeader("trace").value()).containsExactly(1, 2, 3);
        assertThat(text(letter, "distill-encoding")).isEqualTo("binary");
        assertThat(text(letter, DeadLetters.ERROR_CLASS)).isEqualTo(MalformedRecordException.class.getName());
        assertThat(letter.headers().headers(DeadLetters.ERROR_REASON)).hasSize(1);
        assertThat(text(letter, DeadLetters.ERROR_REASON)).isEqualTo("WRONG_SHAPE");
        assertThat(text(letter, DeadLetters.ERROR_MESSAGE)).contains("got [27, 29]");
        assertThat(text(letter, DeadLetters.SOURCE_TOPIC)).isEqualTo("distill.events");
        assertThat(text(letter, DeadLetters.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(text(letter, DeadLetters.SOURCE_OFFSET)).isEqualTo("1812");
        assertThat(text(letter, DeadLetters.SOURCE_TIMESTAMP)).isEqualTo("1700000000123");
    }

    @Test
    void keepsNullKeyAndValue() {
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record("dlq", source(null, null),
                new IllegalStateException());

        assertThat(letter.key()).isNull();
        assertThat(letter.value()).isNull();
        assertThat(text(letter, DeadLetters.ERROR_REASON)).isEqualTo(DeadLetters.UNCLASSIFIED);
        assertThat(text(letter, DeadLetters.ERROR_MESSAGE)).isEqualTo("IllegalStateException");
    }

    @Test
    void findsTheReasonInsideAConsumerWrapper() {
        MalformedRecordException cause = new MalformedRecordException(Reason.NON_FINITE, "features[3] is NaN");
        RecordDeserializationException wrapped = new RecordDeserializationException(
                RecordDeserializationException.DeserializationExceptionOrigin.VALUE,
                new org.apache.kafka.common.TopicPartition("distill.events", 0), 5L, 0L, TimestampType.CREATE_TIME,
                null, null, new RecordHeaders(), "boom", cause);

        assertThat(DeadLetters.reason(wrapped)).isEqualTo("NON_FINITE");
    }

    @Test
    void truncatesHugeMessages() {
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record("dlq", source(null, null),
                new RuntimeException("x".repeat(10_000)));

        assertThat(text(letter, DeadLetters.ERROR_MESSAGE)).hasSize(DeadLetters.MAX_MESSAGE_LENGTH + 3);
    }

    static String text(ProducerRecord<byte[], byte[]> r, String header) {
        return DeadLetters.header(r.headers(), header);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
