package dev.distill.common.serde;

import org.apache.kafka.common.header.Headers;

/**
 * Encodes and decodes one kind of wire record. Decoding throws only {@link MalformedRecordException}, whatever the
 * input, so a poll loop can read {@code byte[]} values and dead-letter what does not decode.
 */
public interface RecordCodec<T> {

    /** Human name of the record kind used in messages, e.g. {@code "event"}. */
    String what();

    /** Whether {@link Encoding#BINARY} is supported (otherwise only JSON). */
    boolean supportsBinary();

    /**
     * Encodes a value.
     *
     * @throws IllegalArgumentException if this record kind has no such encoding
     */
    byte[] encode(T value, Encoding encoding);

    /**
     * Decodes a record value using its headers: the {@value Encoding#HEADER} header selects the encoding, absent means
     * JSON; a value whose bytes contradict the header is rejected with {@link MalformedRecordException.Reason#UNKNOWN_ENCODING}.
     *
     * @param headers the record's headers, or null when it has none
     */
    T decode(byte[] bytes, Headers headers);

    /**
     * Decodes bytes that never had headers (e.g. a Kafka Streams state store): the encoding is recognised by the
     * binary frame's magic bytes.
     */
    T decodeWithoutHeaders(byte[] bytes);
}
