package dev.distill.teacher.pipeline;

import dev.distill.common.event.Event;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.kafka.DeadLetterPublisher;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.RecordLimits;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.teacher.config.TeacherConfig;
import dev.distill.teacher.inference.ModelSlot;
import dev.distill.teacher.inference.TeacherModel;
import dev.distill.teacher.inference.TeacherModelException;
import dev.distill.teacher.metrics.TeacherMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher's consume → micro-batch → infer → produce loop, exactly once: the logits and dead letters of a batch
 * and the batch's consumed offsets are committed in one Kafka transaction.
 *
 * <p>Records are buffered until {@code teacher.batch.max.size} of them are waiting or the oldest has waited
 * {@code teacher.batch.max.wait.ms}; then everything buffered is scored in micro-batches of at most the max size and
 * committed in one transaction, all scored by one model version (a hot-reloaded model is swapped in between
 * transactions). Errors follow Kafka's {@code ExactlyOnceMessageProcessor}: fatal ones (fenced, unauthorised, ...)
 * stop the loop; any other {@link KafkaException} (or a model failure) aborts the transaction and rewinds to the last
 * committed offsets, so nothing is skipped or scored twice. On revocation, buffered records of the revoked
 * partitions are committed before the partitions go; on loss they are dropped (the new owner re-reads them).
 *
 * <p>Single-threaded: {@link #run()} on one thread; {@link #stop()} from any thread.
 */
public final class TeacherPipeline implements Runnable, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(TeacherPipeline.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final Duration MODEL_FAILURE_BACKOFF = Duration.ofSeconds(1);
    private static final long READY_POLL_GAP_NANOS = Duration.ofSeconds(15).toNanos();

    private final TeacherConfig config;
    private final Clock clock;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final ModelSlot models;
    private final TeacherMetrics metrics;
    private final DeadLetterPublisher deadLetters;
    private final EventCodec eventCodec;
    private final TeacherLogitsCodec logitsCodec = new TeacherLogitsCodec();
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int topK;
    private final int sampleSize;

    private final List<ConsumerRecord<byte[], byte[]>> buffer = new ArrayList<>();
    private long bufferStartNanos;
    private boolean inTransaction;
    private boolean needsRewind;
    private boolean keepPartition;
    private volatile boolean stopping;
    private volatile boolean joined;
    private volatile long lastPollNanos;
    private volatile Throwable fatal;

    public TeacherPipeline(TeacherConfig config, Clock clock, Consumer<byte[], byte[]> consumer,
                           Producer<byte[], byte[]> producer, ModelSlot models, TeacherMetrics metrics) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.models = Objects.requireNonNull(models, "models");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.deadLetters = new DeadLetterPublisher(producer, config.deadLetterTopic(), metrics.registry());
        this.eventCodec = new EventCodec(RecordLimits.of(config.modelNumClasses(), config.modelInputShape())
                .withMaxRecordBytes(config.recordMaxBytes()));
        this.maxBatch = config.batchMaxSize();
        this.maxWaitNanos = config.batchMaxWait().toNanos();
        this.topK = config.outputTopK();
        this.sampleSize = config.modelInputSize();
    }

    /** Asks the loop to finish the batch in hand, commit it and return. */
    public void stop() {
        stopping = true;
    }

    /** True while the consumer has joined its group and polled recently (for {@code /ready}). */
    public boolean isPolling() {
        return joined && !stopping && System.nanoTime() - lastPollNanos < READY_POLL_GAP_NANOS;
    }

    /** The error that stopped the loop, if one did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(fatal);
    }

    @Override
    public void run() {
        try {
            producer.initTransactions();
            keepPartition = samePartitionCount();
            consumer.subscribe(List.of(config.eventsTopic()), this);
            LOG.info("teacher {} consuming {} as group {} with transactional id {}", config.teacherId(),
                    config.eventsTopic(), config.groupId(), config.transactionalId());
            while (!stopping) {
                try {
                    step();
                } catch (AuthorizationException | UnsupportedVersionException | ProducerFencedException
                         | FencedInstanceIdException | OutOfOrderSequenceException e) {
                    fail(e);
                } catch (KafkaException e) {
                    LOG.warn("aborting the transaction and rewinding to the last committed offsets: {}", e.toString());
                    abortAndRewind();
                } catch (TeacherModelException e) {
                    LOG.error("teacher model failed; aborting and retrying from the last committed offsets", e);
                    abortAndRewind();
                    sleep(MODEL_FAILURE_BACKOFF);
                }
            }
            if (fatal == null && !buffer.isEmpty()) {
                try {
                    flush(new ArrayList<>(buffer));
                    buffer.clear();
                } catch (RuntimeException e) {
                    LOG.warn("could not commit the last batch on shutdown; the next owner re-reads it", e);
                    abortQuietly();
                }
            }
        } catch (RuntimeException | Error e) {
            fail(e);
        } finally {
            close();
        }
    }

    private void step() {
        if (needsRewind) {
            rewindToCommitted();
            needsRewind = false;
        }
        Duration timeout = IDLE_POLL;
        if (!buffer.isEmpty()) {
            long left = maxWaitNanos - (System.nanoTime() - bufferStartNanos);
            timeout = Duration.ofNanos(Math.max(0, Math.min(left, IDLE_POLL.toNanos())));
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        lastPollNanos = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (buffer.isEmpty()) {
                bufferStartNanos = System.nanoTime();
            }
            buffer.add(r);
        }
        if (!buffer.isEmpty()
                && (buffer.size() >= maxBatch || System.nanoTime() - bufferStartNanos >= maxWaitNanos)) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(buffer);
            buffer.clear();
            flush(batch);
        }
    }

    /** Scores {@code records} and commits their logits, dead letters and offsets in one transaction. */
    private void flush(List<ConsumerRecord<byte[], byte[]>> records) {
        TeacherModel model = models.current();
        producer.beginTransaction();
        inTransaction = true;
        List<ConsumerRecord<byte[], byte[]>> sources = new ArrayList<>(records.size());
        List<Event> events = new ArrayList<>(records.size());
        int dead = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            try {
                events.add(eventCodec.decode(r.value(), r.headers()));
                sources.add(r);
            } catch (MalformedRecordException e) {
                deadLetters.publish(r, new MalformedRecordException(e.reason(), "events record at partition "
                        + r.partition() + " offset " + r.offset() + ": " + e.getMessage(), e));
                dead++;
            }
        }
        for (int from = 0; from < events.size(); from += maxBatch) {
            int n = Math.min(maxBatch, events.size() - from);
            float[] inputs = new float[n * sampleSize];
            for (int i = 0; i < n; i++) {
                System.arraycopy(events.get(from + i).features(), 0, inputs, i * sampleSize, sampleSize);
            }
            long t0 = System.nanoTime();
            float[][] logits = model.score(inputs, n);
            metrics.inference(model.version(), System.nanoTime() - t0, n);
            long now = clock.millis();
            for (int i = 0; i < n; i++) {
                send(sources.get(from + i), events.get(from + i), toLogits(model.version(), now, logits[i]));
            }
        }
        producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
        producer.commitTransaction();
        inTransaction = false;
        metrics.committed(events.size(), dead);
        long committedAt = clock.millis();
        for (Event e : events) {
            metrics.latencyMillis(committedAt - e.timestamp());
        }
    }

    private TeacherLogits toLogits(String version, long now, float[] logits) {
        if (topK <= 0 || topK >= logits.length) {
            return TeacherLogits.dense(config.teacherId(), version, now, logits);
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int[] indices = new int[topK];
        float[] values = new float[topK];
        for (int i = 0; i < topK; i++) {
            indices[i] = order[i];
            values[i] = logits[order[i]];
        }
        return TeacherLogits.sparse(config.teacherId(), version, now, logits.length, indices, values);
    }

    private void send(ConsumerRecord<byte[], byte[]> source, Event event, TeacherLogits logits) {
        RecordHeaders headers = new RecordHeaders();
        Encoding.BINARY.writeTo(headers);
        // same partition number as the event (the join relies on co-partitioning), whatever partitioner produced it
        Integer partition = keepPartition ? source.partition() : null;
        producer.send(new ProducerRecord<>(config.logitsTopic(), partition, null,
                event.id().getBytes(StandardCharsets.UTF_8), logitsCodec.encode(logits, Encoding.BINARY), headers));
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            OffsetAndMetadata next = new OffsetAndMetadata(r.offset() + 1);
            offsets.merge(tp, next, (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }

    private boolean samePartitionCount() {
        int events = consumer.partitionsFor(config.eventsTopic()).size();
        int logits = producer.partitionsFor(config.logitsTopic()).size();
        if (events != logits) {
            LOG.warn("topic {} has {} partitions but {} has {}: logits are partitioned by key, so an event and its "
                            + "logits may land on different partition numbers; give both topics the same count",
                    config.eventsTopic(), events, config.logitsTopic(), logits);
        }
        return events == logits;
    }

    private void abortAndRewind() {
        buffer.clear();
        try {
            if (inTransaction) {
                producer.abortTransaction();
                inTransaction = false;
                metrics.aborted();
            }
            needsRewind = true;
        } catch (RuntimeException e) {
            // the producer's state is unknown: stop, and let a fresh replica take the partitions over
            fail(e);
        }
    }

    private void abortQuietly() {
        if (inTransaction) {
            try {
                producer.abortTransaction();
                metrics.aborted();
            } catch (RuntimeException e) {
                LOG.warn("could not abort the transaction: {}", e.toString());
            }
            inTransaction = false;
        }
    }

    /** As in Kafka's example: seek every assigned partition to its committed offset (or its start). */
    private void rewindToCommitted() {
        Set<TopicPartition> assignment = consumer.assignment();
        if (assignment.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assignment);
        for (TopicPartition tp : assignment) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                consumer.seek(tp, o.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        Set<TopicPartition> revoked = new HashSet<>(partitions);
        List<ConsumerRecord<byte[], byte[]>> theirs = new ArrayList<>();
        buffer.removeIf(r -> revoked.contains(new TopicPartition(r.topic(), r.partition())) && theirs.add(r));
        if (theirs.isEmpty() || fatal != null) {
            return;
        }
        // still the owner (the generation is current until we rejoin): commit what we hold for them
        try {
            flush(theirs);
            LOG.info("committed {} buffered events of revoked partitions {}", theirs.size(), partitions);
        } catch (AuthorizationException | UnsupportedVersionException | ProducerFencedException
                 | FencedInstanceIdException | OutOfOrderSequenceException e) {
            fail(e);
        } catch (RuntimeException e) {
            LOG.warn("could not commit buffered events of revoked partitions {}; their next owner re-reads them: {}",
                    partitions, e.toString());
            abortQuietly();
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        Set<TopicPartition> lost = new HashSet<>(partitions);
        buffer.removeIf(r -> lost.contains(new TopicPartition(r.topic(), r.partition())));
        LOG.warn("lost partitions {}; dropped their buffered events, the new owner re-reads them", partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        joined = true;
        LOG.info("teacher {} assigned {}", config.teacherId(), partitions);
    }

    private void fail(Throwable e) {
        if (fatal == null) {
            fatal = e;
        }
        stopping = true;
        LOG.error("teacher {} stopping on an unrecoverable error", config.teacherId(), e);
    }

    private void close() {
        try {
            consumer.close(CloseOptions.timeout(fatal == null ? Duration.ofSeconds(30) : Duration.ZERO));
        } catch (RuntimeException e) {
            LOG.warn("closing the consumer: {}", e.toString());
        }
        try {
            producer.close(fatal == null ? Duration.ofSeconds(30) : Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.warn("closing the producer: {}", e.toString());
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
