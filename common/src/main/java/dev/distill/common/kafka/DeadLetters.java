package dev.distill.common.kafka;

import dev.distill.common.serde.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records: the original key, value and headers, unchanged, plus headers that say why and where
 * from. All header values are UTF-8 text (numbers in decimal) so that {@code kcat -f '%h'} shows them.
 */
public final class DeadLetters {
    private DeadLetters() {}

    public static final String ERROR_CLASS = "distill.error.class";
    /** {@link MalformedRecordException.Reason} name, or {@link #UNCLASSIFIED} for other errors. */
    public static final String ERROR_REASON = "distill.error.reason";
    public static final String ERROR_MESSAGE = "distill.error.message";
    public static final String SOURCE_TOPIC = "distill.source.topic";
    public static final String SOURCE_PARTITION = "distill.source.partition";
    public static final String SOURCE_OFFSET = "distill.source.offset";
    /** Timestamp of the source record, epoch milliseconds. */
    public static final String SOURCE_TIMESTAMP = "distill.source.timestamp";

    /** Reason given to errors that are not a {@link MalformedRecordException}. */
    public static final String UNCLASSIFIED = "UNCLASSIFIED";

    /** Longest error message kept, in characters; a header is no place for a stack trace. */
    public static final int MAX_MESSAGE_LENGTH = 1000;

    private static final String[] ERROR_HEADERS = {ERROR_CLASS, ERROR_REASON, ERROR_MESSAGE, SOURCE_TOPIC,
        SOURCE_PARTITION, SOURCE_OFFSET, SOURCE_TIMESTAMP};

    /**
     * A dead letter for {@code source}: same key, value and headers (copied), plus the error headers. Error headers a
     * source already had (it was itself a dead letter being replayed) are replaced, not repeated. The partition and
     * timestamp are left to the producer.
     */
    public static ProducerRecord<byte[], byte[]> record(String deadLetterTopic, ConsumerRecord<byte[], byte[]> source,
                                                        Throwable error) {
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(error, "error");
        Headers headers = new RecordHeaders();
        for (Header h : source.headers()) {
            headers.add(h.key(), h.value() == null ? null : h.value().clone());
        }
        for (String name : ERROR_HEADERS) {
            headers.remove(name);
        }
        put(headers, ERROR_CLASS, error.getClass().getName());
        put(headers, ERROR_REASON, reason(error));
        put(headers, ERROR_MESSAGE, message(error));
        put(headers, SOURCE_TOPIC, source.topic());
        put(headers, SOURCE_PARTITION, Integer.toString(source.partition()));
        put(headers, SOURCE_OFFSET, Long.toString(source.offset()));
        put(headers, SOURCE_TIMESTAMP, Long.toString(source.timestamp()));
        return new ProducerRecord<>(deadLetterTopic, null, null, copy(source.key()), copy(source.value()), headers);
    }

    /**
     * The bounded reason of an error: the {@link MalformedRecordException.Reason} of the first one in the cause chain
     * (the consumer wraps deserializer errors), else {@link #UNCLASSIFIED}.
     */
    public static String reason(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof MalformedRecordException m) {
                return m.reason().name();
            }
        }
        return UNCLASSIFIED;
    }

    static String message(Throwable error) {
        String m = error.getMessage();
        if (m == null || m.isBlank()) {
            m = error.getCause() != null && error.getCause().getMessage() != null
                    ? error.getCause().getMessage() : error.getClass().getSimpleName();
        }
        return m.length() > MAX_MESSAGE_LENGTH ? m.substring(0, MAX_MESSAGE_LENGTH) + "..." : m;
    }

    /** A header's value as text, or null when absent. */
    public static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] copy(byte[] bytes) {
        return bytes == null ? null : bytes.clone();
    }
}
