package dev.distill.common.serde;

import java.util.Objects;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer over a {@link RecordCodec}. Throws {@link MalformedRecordException} for bad input (the consumer
 * wraps it in a {@code RecordDeserializationException} that names partition and offset); null stays null.
 * Services that must never stall should consume {@code byte[]} and call {@link RecordCodec#decode} themselves.
 */
public class RecordDeserializer<T> implements Deserializer<T> {

    private final RecordCodec<T> codec;

    public RecordDeserializer(RecordCodec<T> codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        return data == null ? null : codec.decode(data, headers);
    }

    /** Without headers (e.g. state stores) the encoding is recognised by the binary frame's magic. */
    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : codec.decodeWithoutHeaders(data);
    }
}
