package dev.distill.common.serde;

import java.util.Objects;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer over a {@link RecordCodec}. With headers (the producer and Kafka Streams sinks pass them) it
 * writes the {@value Encoding#HEADER} header, so readers know the encoding; a null value stays null (a tombstone).
 */
public class RecordSerializer<T> implements Serializer<T> {

    private final RecordCodec<T> codec;
    private final Encoding encoding;

    public RecordSerializer(RecordCodec<T> codec, Encoding encoding) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.encoding = Objects.requireNonNull(encoding, "encoding");
        if (encoding == Encoding.BINARY && !codec.supportsBinary()) {
            throw new IllegalArgumentException(codec.what() + " records have no binary encoding; use JSON");
        }
    }

    public Encoding encoding() {
        return encoding;
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        if (data == null) {
            return null;
        }
        if (headers != null) {
            encoding.writeTo(headers);
        }
        return codec.encode(data, encoding);
    }

    /** Without headers (e.g. state stores) the bytes alone tell the encoding: binary frames carry a magic. */
    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : codec.encode(data, encoding);
    }
}
