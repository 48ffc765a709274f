package dev.distill.student.example;

import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the features of the event a {@link TrainingExample} names, from the events topic, where the producer wrote
 * them once. Two sequential readers, each with its own consumer: one follows the soft examples near the head of the
 * stream, the other the labelled ones, which name events a label delay older; a labelled example whose event the
 * first still keeps is served from there. Each reader keeps its last {@code capacity} records per partition, so
 * both read the topic about once, in large fetches.
 *
 * <p>Not thread-safe: one thread owns the lookup and its two consumers, which it closes.
 */
public final class EventLookup implements AutoCloseable {

    private final Consumer<byte[], byte[]> recentConsumer;
    private final Consumer<byte[], byte[]> olderConsumer;
    private final EventReader recent;
    private final EventReader older;
    private final EventCodec codec = new EventCodec();

    /**
     * @param recent   a consumer for the soft examples' events: {@code read_committed}, no group, auto offset reset
     *                 {@code none}; this lookup assigns it partitions and closes it
     * @param older    another such consumer, for the labelled examples' events
     * @param capacity records kept per partition and reader, a power of two: at least the label delay in events
     *                 (per partition) lets every labelled example be served without seeking back
     */
    public EventLookup(Consumer<byte[], byte[]> recent, Consumer<byte[], byte[]> older, String eventsTopic,
                       int capacity) {
        this.recentConsumer = recent;
        this.olderConsumer = older;
        this.recent = new EventReader(recent, eventsTopic, capacity);
        this.older = new EventReader(older, eventsTopic, capacity);
    }

    /**
     * Writes the features of {@code example}'s event into {@code dst[offset, offset + count)}, checking them as the
     * event codec does and that the record is that event.
     *
     * @throws MalformedRecordException if the events topic no longer holds the event, or holds another record there
     * @throws CancellationException    if {@code stopping} turns true while it waits for the cluster
     */
    public void featuresInto(TrainingExample example, float[] dst, int offset, int count, BooleanSupplier stopping) {
        ConsumerRecord<byte[], byte[]> event = record(example, stopping);
        String where = "event " + example.eventId() + " of a " + example.kind().name().toLowerCase(Locale.ROOT)
                + " example, at events partition " + example.eventPartition() + " offset " + example.eventOffset();
        if (event == null) {
            throw new MalformedRecordException(Reason.BAD_VALUE, where + ": the events topic no longer holds it "
                    + "(deleted by retention, or the topic was re-created); raise the events topic's retention above "
                    + "the label horizon");
        }
        EventCodec.Head head = codec.decodeInto(event.value(), event.headers(), dst, offset, count);
        if (!head.id().equals(example.eventId())) {
            throw new MalformedRecordException(Reason.BAD_VALUE, where + ": that record is event " + head.id()
                    + " (the topic was re-created, or the example does not come from this join)");
        }
    }

    /**
     * Properties of a consumer for this lookup, from a client's {@code base} settings (bootstrap servers, security):
     * sees what the join saw ({@code read_committed}), no group (positions come from the examples), a deleted event
     * is reported rather than skipped over ({@code auto.offset.reset=none}), large fetches of at most half the
     * {@code capacity} records (a fetch larger than what is kept would push out records still to be asked for).
     */
    public static Map<String, Object> consumerProperties(Map<String, Object> base, String clientId, int capacity) {
        Map<String, Object> props = new HashMap<>(base);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, Math.min(2_000, capacity / 2)));
        props.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    /** A lookup over two new consumers made from {@link #consumerProperties} ({@code <clientId>-recent}, {@code -older}). */
    public static EventLookup open(Map<String, Object> base, String clientId, String eventsTopic, int capacity) {
        return new EventLookup(new KafkaConsumer<>(consumerProperties(base, clientId + "-recent", capacity)),
                new KafkaConsumer<>(consumerProperties(base, clientId + "-older", capacity)), eventsTopic, capacity);
    }

    private ConsumerRecord<byte[], byte[]> record(TrainingExample e, BooleanSupplier stopping) {
        if (!e.hasLabel()) {
            return recent.read(e.eventPartition(), e.eventOffset(), stopping);
        }
        ConsumerRecord<byte[], byte[]> kept = recent.cached(e.eventPartition(), e.eventOffset());
        return kept != null ? kept : older.read(e.eventPartition(), e.eventOffset(), stopping);
    }

    /** Records fetched from the events topic by both readers (a topic read about once shows ~1 per event). */
    public long recordsRead() {
        return recent.reads() + older.reads();
    }

    /** Times the readers had to seek: a steady stream needs few. */
    public long seeks() {
        return recent.seeks() + older.seeks();
    }

    @Override
    public void close() {
        recentConsumer.close();
        olderConsumer.close();
    }
}
