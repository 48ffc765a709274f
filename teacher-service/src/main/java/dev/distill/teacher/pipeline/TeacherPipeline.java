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
import java.util.Arrays;
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
 * The teacher's consume → micro-batch → infer → produce loop, exactly once: the logits and dead letters of the
 * events consumed in a transaction and their consumed offsets are committed in one Kafka transaction.
 *
 * <p>Records are buffered until {@code teacher.batch.max.size} of them are waiting or the oldest has waited
 * {@code teacher.batch.max.wait.ms}; then they are scored in micro-batches of at most the max size and their logits
 * sent inside the open transaction. The transaction spans several polls and micro-batches and commits once it has
 * been open {@code teacher.commit.interval.ms} (as Kafka Streams' {@code commit.interval.ms}), so its round trips
 * are paid once per interval rather than once per poll. A transaction is scored by one model version (a hot-reloaded
 * model is swapped in between transactions). Errors follow Kafka's {@code ExactlyOnceMessageProcessor}: fatal ones
 * (fenced, unauthorised, ...) stop the loop; any other {@link KafkaException} (or a model failure) aborts the
 * transaction and rewinds to the last committed offsets, so nothing is skipped or scored twice. On revocation, the
 * buffered records of the revoked partitions are scored and the open transaction is committed before the partitions
 * go; on loss the open transaction is aborted and the kept partitions rewound (the new owner re-reads the lost ones).
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
    private final long commitIntervalNanos;
    private final int topK;
    private final int sampleSize;

    private final List<ConsumerRecord<byte[], byte[]>> buffer = new ArrayList<>();
    private long bufferStartNanos;
    /** One micro-batch of inputs, reused: a fresh array per batch was a measurable share of the loop's allocation. */
    private float[] inputs = new float[0];

    // the open transaction: model, consumed offsets, and what to report once it commits
    private boolean inTransaction;
    private TeacherModel transactionModel;
    private long transactionStartNanos;
    private final Map<TopicPartition, OffsetAndMetadata> transactionOffsets = new HashMap<>();
    private long[] transactionEventTimes = new long[64];
    private int transactionScored;
    private int transactionDead;
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
        this.commitIntervalNanos = config.commitInterval().toNanos();
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
            if (fatal == null && (!buffer.isEmpty() || inTransaction)) {
                try {
                    List<ConsumerRecord<byte[], byte[]>> rest = new ArrayList<>(buffer);
                    buffer.clear();
                    score(rest);
                    commit();
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
        long timeoutNanos = IDLE_POLL.toNanos();
        long now = System.nanoTime();
        if (!buffer.isEmpty()) {
            timeoutNanos = Math.min(timeoutNanos, maxWaitNanos - (now - bufferStartNanos));
        }
        if (inTransaction) {
            timeoutNanos = Math.min(timeoutNanos, commitIntervalNanos - (now - transactionStartNanos));
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofNanos(Math.max(0, timeoutNanos)));
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
            score(batch);
        }
        if (inTransaction && System.nanoTime() - transactionStartNanos >= commitIntervalNanos) {
            commit();
        }
    }

    private void beginIfNeeded() {
        if (!inTransaction) {
            transactionModel = models.current();
            producer.beginTransaction();
            inTransaction = true;
            transactionStartNanos = System.nanoTime();
        }
    }

    /**
     * Scores {@code records} in micro-batches and sends their logits and dead letters inside the open transaction
     * (beginning one if needed); their offsets are committed with it.
     */
    private void score(List<ConsumerRecord<byte[], byte[]>> records) {
        if (records.isEmpty()) {
            return;
        }
        beginIfNeeded();
        TeacherModel model = transactionModel;
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
            if (inputs.length < n * sampleSize) {
                inputs = new float[maxBatch * sampleSize];
            }
            for (int i = 0; i < n; i++) {
                // Event.features() would clone each sample first
                Event e = events.get(from + i);
                int at = i * sampleSize;
                for (int j = 0; j < sampleSize; j++) {
                    inputs[at + j] = e.feature(j);
                }
            }
            long t0 = System.nanoTime();
            float[][] logits = model.score(inputs, n);
            metrics.inference(model.version(), System.nanoTime() - t0, n);
            long now = clock.millis();
            for (int i = 0; i < n; i++) {
                send(sources.get(from + i), events.get(from + i), toLogits(model.version(), now, logits[i]));
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
            transactionOffsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        if (transactionEventTimes.length < transactionScored + events.size()) {
            transactionEventTimes = Arrays.copyOf(transactionEventTimes,
                    Math.max(transactionScored + events.size(), 2 * transactionEventTimes.length));
        }
        for (Event e : events) {
            transactionEventTimes[transactionScored++] = e.timestamp();
        }
        transactionDead += dead;
    }

    /** Commits the open transaction, if any: its logits, dead letters and consumed offsets become visible at once. */
    private void commit() {
        if (!inTransaction) {
            return;
        }
        if (!transactionOffsets.isEmpty()) {
            producer.sendOffsetsToTransaction(Map.copyOf(transactionOffsets), consumer.groupMetadata());
        }
        producer.commitTransaction();
        inTransaction = false;
        metrics.committed(transactionScored, transactionDead);
        long committedAt = clock.millis();
        for (int i = 0; i < transactionScored; i++) {
            metrics.latencyMillis(committedAt - transactionEventTimes[i]);
        }
        clearTransaction();
    }

    private void clearTransaction() {
        transactionModel = null;
        transactionOffsets.clear();
        transactionScored = 0;
        transactionDead = 0;
    }

    private TeacherLogits toLogits(String version, long now, float[] logits) {
        if (topK <= 0 || topK >= logits.length) {
            return TeacherLogits.dense(config.teacherId(), version, now, logits);
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
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
            clearTransaction();
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
        clearTransaction();
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
        if ((theirs.isEmpty() && !inTransaction) || fatal != null) {
            return;
        }
        // still the owner (the generation is current until we rejoin): score what we hold for them and commit the
        // open transaction, which may hold their earlier events too
        try {
            score(theirs);
            commit();
            LOG.info("committed the open transaction and {} buffered events of revoked partitions {}", theirs.size(),
                    partitions);
        } catch (AuthorizationException | UnsupportedVersionException | ProducerFencedException
                 | FencedInstanceIdException | OutOfOrderSequenceException e) {
            fail(e);
        } catch (RuntimeException e) {
            LOG.warn("could not commit the open transaction with revoked partitions {}; their next owner re-reads "
                    + "them, the kept ones are rewound: {}", partitions, e.toString());
            abortQuietly();
            // the aborted transaction also held events of kept partitions that the consumer has moved past
            buffer.clear();
            needsRewind = true;
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        Set<TopicPartition> lost = new HashSet<>(partitions);
        buffer.removeIf(r -> lost.contains(new TopicPartition(r.topic(), r.partition())));
        if (inTransaction) {
            // it holds events of the lost partitions, which their new owner scores: it must not commit; the events
            // of kept partitions in it are re-read from the committed offsets
            abortQuietly();
            buffer.clear();
            needsRewind = true;
        }
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
