package dev.distill.common.serde;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A {@link Serde} that writes one encoding and reads both (the header or the magic tells which). */
public class RecordSerde<T> implements Serde<T> {

    private final RecordCodec<T> codec;
    private final RecordSerializer<T> serializer;
    private final RecordDeserializer<T> deserializer;

    public RecordSerde(RecordCodec<T> codec, Encoding encoding) {
        this.codec = codec;
        this.serializer = new RecordSerializer<>(codec, encoding);
        this.deserializer = new RecordDeserializer<>(codec);
    }

    public RecordCodec<T> codec() {
        return codec;
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
