package dev.distill.teacher.pipeline;

import dev.distill.common.event.TeacherLogits;
import dev.distill.common.kafka.DeadLetterPublisher;
import dev.distill.common.kafka.FatalKafkaErrors;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher's consume → micro-batch → infer → produce loop, exactly once: the logits and dead letters of the
 * events consumed in a transaction and their consumed offsets are committed in one Kafka transaction.
 *
 * <p>Two threads. The loop thread ({@link #run()}) does all Kafka work: it polls, cuts micro-batches of at most
 * {@code teacher.batch.max.size} events, decodes each event's features from the fetched record (a view, not a copy)
 * straight into the batch's direct input buffer, on which the model's tensor is built, and hands the batch to the
 * inference thread through a queue holding about {@value #IN_FLIGHT_MODEL_NANOS} ns of model time ({@value
 * #MIN_IN_FLIGHT} to {@value #MAX_IN_FLIGHT} batches), so the model keeps running while the loop thread commits;
 * while the model runs it keeps polling (fetches only progress inside {@code poll}), sends the logits of finished
 * batches in order and commits. A partial batch is handed over once its oldest event has waited {@code teacher.batch.max.wait.ms} and
 * the model is idle, so an idle stream still sees low latency and a busy one gets full batches.
 *
 * <p>A batch's logits, its dead letters and its offsets join the open transaction only when the batch is sent, so a
 * transaction's offsets cover exactly the events whose output it holds; batches still in the model when it commits
 * go to the next one. The transaction spans several polls and batches and commits once it has been open
 * {@code teacher.commit.interval.ms} (as Kafka Streams' {@code commit.interval.ms}). A hot-reloaded model is swapped
 * in only with no batch in the model and no transaction open, so a transaction is scored by one model version.
 * Errors follow Kafka's {@code ExactlyOnceMessageProcessor}: fatal ones ({@link FatalKafkaErrors}, also as a cause) stop the loop;
 * any other {@link KafkaException} (or a model failure) drops the batches in flight, aborts the transaction and
 * rewinds to the last committed offsets, so nothing is skipped or scored twice. On revocation, the batches in flight
 * and the buffered records of the revoked partitions are scored and sent and the open transaction is committed
 * before the partitions go; on loss the open transaction is aborted and the kept partitions rewound (the new owner
 * re-reads the lost ones). {@link #stop()} finishes what is in hand (buffered and in flight), commits and returns.
 *
 * <p>{@link #run()} on one thread; {@link #stop()} from any thread.
 */
public final class TeacherPipeline implements Runnable, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(TeacherPipeline.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    /** Poll timeout while batches are in the model, so their logits go out soon after they finish. */
    private static final long BUSY_POLL_NANOS = Duration.ofMillis(2).toNanos();
    private static final Duration MODEL_FAILURE_BACKOFF = Duration.ofSeconds(1);
    private static final long READY_POLL_GAP_NANOS = Duration.ofSeconds(15).toNanos();
    /**
     * Model time that the batches handed to the inference thread and not yet sent may hold. The loop thread stops
     * feeding the model while it commits (a commit waits for the transaction's sends and the coordinator, tens of ms
     * on a busy broker); with this much queued the model keeps running through a commit. It also bounds what a hot
     * reload, a revocation or a shutdown has to drain.
     */
    static final long IN_FLIGHT_MODEL_NANOS = Duration.ofMillis(100).toNanos();
    /** Fewest batches in flight, whatever the model's speed: one running, the next ones decoded. */
    static final int MIN_IN_FLIGHT = 4;
    /** Most batches in flight (memory: each holds a direct buffer of a full batch of inputs). */
    static final int MAX_IN_FLIGHT = 64;

    private final TeacherConfig config;
    private final Clock clock;
    private final Consumer<byte[], ByteBuffer> consumer;
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
    private final ExecutorService inference;

    /** Polled, not yet handed to the model, in poll order. */
    private final Deque<ConsumerRecord<byte[], ByteBuffer>> buffer = new ArrayDeque<>();
    private long bufferStartNanos;
    /** Handed to the model, not yet sent, in poll order (the inference thread runs them first in, first out). */
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    /**
     * Input buffers of finished batches, reused. Direct and native-order: events are decoded straight from the
     * fetched record into them and the model's tensor is built on them, so the features are copied once.
     */
    private final Deque<ByteBuffer> spareInputs = new ArrayDeque<>();
    /** Model time per event, smoothed over batches; sizes the in-flight queue to {@link #IN_FLIGHT_MODEL_NANOS}. */
    private double modelNanosPerEvent;
    private int inFlightLimit = MIN_IN_FLIGHT;
    /** The model new batches go to; replaced only with nothing in flight and no transaction open. */
    private TeacherModel scoringModel;

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

    /** A micro-batch handed to the model: its records (all of them, for the offsets) and what decoding found. */
    private static final class InFlight {
        final List<ConsumerRecord<byte[], ByteBuffer>> records;
        final TeacherModel model;
        final ByteBuffer inputs;
        final FloatBuffer rows;
        /** Decoded events, rows {@code [0, n)} of {@code inputs}. */
        final List<ConsumerRecord<byte[], ByteBuffer>> sources;
        final String[] ids;
        final long[] timestamps;
        int n;
        final List<ConsumerRecord<byte[], ByteBuffer>> dead = new ArrayList<>(0);
        final List<MalformedRecordException> reasons = new ArrayList<>(0);
        /** Null when no event of the batch decoded. */
        Future<Scored> result;

        InFlight(List<ConsumerRecord<byte[], ByteBuffer>> records, TeacherModel model, ByteBuffer inputs) {
            this.records = records;
            this.model = model;
            this.inputs = inputs;
            this.rows = inputs.asFloatBuffer();
            this.sources = new ArrayList<>(records.size());
            this.ids = new String[records.size()];
            this.timestamps = new long[records.size()];
        }
    }

    private record Scored(float[][] logits, long nanos) {}

    public TeacherPipeline(TeacherConfig config, Clock clock, Consumer<byte[], ByteBuffer> consumer,
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
        String threadName = "teacher-inference-" + config.teacherId();
        this.inference = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Asks the loop to finish the batches in hand, commit them and return. */
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
                } catch (KafkaException e) {
                    if (FatalKafkaErrors.isFatal(e)) { // also when wrapped: a send refused as unauthorised
                        fail(e);
                        continue;
                    }
                    LOG.warn("aborting the transaction and rewinding to the last committed offsets: {}", e.toString());
                    abortAndRewind();
                } catch (TeacherModelException e) {
                    LOG.error("teacher model failed; aborting and retrying from the last committed offsets", e);
                    abortAndRewind();
                    sleep(MODEL_FAILURE_BACKOFF);
                }
            }
            if (fatal == null && (!buffer.isEmpty() || !inFlight.isEmpty() || inTransaction)) {
                try {
                    flush(buffer);
                    commit();
                } catch (RuntimeException e) {
                    LOG.warn("could not commit the last batches on shutdown; the next owner re-reads them", e);
                    discardInFlight();
                    buffer.clear();
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
        sendFinished();
        if (models.hasPending()) {
            swapModel();
        }
        handOver();
        if (inFlight.size() >= inFlightLimit && buffer.size() >= maxBatch) {
            // the model is the bottleneck and the next batch is in hand: wait for it rather than fetch more (the
            // consumer keeps what it has prefetched)
            sendHead(true);
        } else {
            long timeoutNanos = IDLE_POLL.toNanos();
            long now = System.nanoTime();
            if (!buffer.isEmpty()) {
                timeoutNanos = Math.min(timeoutNanos, maxWaitNanos - (now - bufferStartNanos));
            }
            if (!inFlight.isEmpty()) {
                timeoutNanos = Math.min(timeoutNanos, BUSY_POLL_NANOS);
            }
            if (inTransaction) {
                timeoutNanos = Math.min(timeoutNanos, commitIntervalNanos - (now - transactionStartNanos));
            }
            ConsumerRecords<byte[], ByteBuffer> records = consumer.poll(Duration.ofNanos(Math.max(0, timeoutNanos)));
            lastPollNanos = System.nanoTime();
            if (!records.isEmpty() && buffer.isEmpty()) {
                bufferStartNanos = lastPollNanos;
            }
            for (ConsumerRecord<byte[], ByteBuffer> r : records) {
                buffer.add(r);
            }
            handOver();
        }
        sendFinished();
        if (inTransaction && System.nanoTime() - transactionStartNanos >= commitIntervalNanos) {
            commit();
        }
    }

    /**
     * Hands full batches to the model while there is room, and a partial one once its oldest event has waited
     * {@code teacher.batch.max.wait.ms} and the model is idle (queued behind busy batches it would gain nothing).
     */
    private void handOver() {
        while (!buffer.isEmpty() && inFlight.size() < inFlightLimit) {
            boolean full = buffer.size() >= maxBatch;
            boolean waited = inFlight.isEmpty() && System.nanoTime() - bufferStartNanos >= maxWaitNanos;
            if (!full && !waited) {
                return;
            }
            submit(take(buffer));
        }
    }

    private List<ConsumerRecord<byte[], ByteBuffer>> take(Deque<ConsumerRecord<byte[], ByteBuffer>> from) {
        int n = Math.min(maxBatch, from.size());
        List<ConsumerRecord<byte[], ByteBuffer>> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(from.poll());
        }
        return batch;
    }

    /** Decodes {@code records} (at most a batch) into a reused input array and hands them to the inference thread. */
    private void submit(List<ConsumerRecord<byte[], ByteBuffer>> records) {
        if (scoringModel == null) {
            scoringModel = models.current();
        }
        ByteBuffer inputs = spareInputs.poll();
        if (inputs == null) {
            inputs = ByteBuffer.allocateDirect(maxBatch * sampleSize * Float.BYTES).order(ByteOrder.nativeOrder());
        }
        InFlight batch = new InFlight(records, scoringModel, inputs);
        for (ConsumerRecord<byte[], ByteBuffer> r : records) {
            try {
                EventCodec.Head head = eventCodec.decodeInto(r.value(), r.headers(), batch.rows,
                        batch.n * sampleSize, sampleSize);
                batch.sources.add(r);
                batch.ids[batch.n] = head.id();
                batch.timestamps[batch.n] = head.timestamp();
                batch.n++;
            } catch (MalformedRecordException e) {
                batch.dead.add(r);
                batch.reasons.add(new MalformedRecordException(e.reason(), "events record at partition "
                        + r.partition() + " offset " + r.offset() + ": " + e.getMessage(), e));
            }
        }
        if (batch.n > 0) {
            TeacherModel model = batch.model;
            ByteBuffer rows = batch.inputs;
            int n = batch.n;
            batch.result = inference.submit(() -> {
                long t0 = System.nanoTime();
                float[][] logits = model.score(rows, n);
                return new Scored(logits, System.nanoTime() - t0);
            });
        }
        inFlight.add(batch);
    }

    /** Sends every finished batch at the head of the queue (in order), without waiting. */
    private void sendFinished() {
        while (!inFlight.isEmpty() && sendHead(false)) {
            // next
        }
    }

    /**
     * Sends the oldest batch in flight inside the open transaction (beginning one if needed): its logits, its dead
     * letters, and its offsets for the commit.
     *
     * @param wait wait for the model to finish it; otherwise return false if it has not
     */
    private boolean sendHead(boolean wait) {
        InFlight b = inFlight.peek();
        if (b == null || (!wait && b.result != null && !b.result.isDone())) {
            return false;
        }
        inFlight.poll();
        Scored scored;
        try {
            scored = b.result == null ? null : await(b.result);
        } finally {
            spareInputs.push(b.inputs);
        }
        beginIfNeeded(b.model);
        for (int i = 0; i < b.dead.size(); i++) {
            deadLetters.publish(withValueBytes(b.dead.get(i)), b.reasons.get(i));
        }
        if (scored != null) {
            metrics.inference(b.model.version(), scored.nanos(), b.n);
            adaptInFlightLimit(scored.nanos(), b.n);
            long now = clock.millis();
            for (int i = 0; i < b.n; i++) {
                send(b.sources.get(i), b.ids[i], toLogits(b.model.version(), now, scored.logits()[i]));
            }
        }
        for (ConsumerRecord<byte[], ByteBuffer> r : b.records) {
            transactionOffsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (x, y) -> x.offset() >= y.offset() ? x : y);
        }
        if (transactionEventTimes.length < transactionScored + b.n) {
            transactionEventTimes = Arrays.copyOf(transactionEventTimes,
                    Math.max(transactionScored + b.n, 2 * transactionEventTimes.length));
        }
        System.arraycopy(b.timestamps, 0, transactionEventTimes, transactionScored, b.n);
        transactionScored += b.n;
        transactionDead += b.dead.size();
        return true;
    }

    /**
     * Sizes the in-flight queue to about {@link #IN_FLIGHT_MODEL_NANOS} of model time: deep for a cheap model (an MLP
     * scores a batch in about a millisecond, a commit takes tens), shallow for an expensive one (draining stays short).
     */
    private void adaptInFlightLimit(long nanos, int events) {
        double perEvent = (double) nanos / events;
        modelNanosPerEvent = modelNanosPerEvent == 0 ? perEvent : 0.9 * modelNanosPerEvent + 0.1 * perEvent;
        double batches = IN_FLIGHT_MODEL_NANOS / (modelNanosPerEvent * maxBatch);
        inFlightLimit = (int) Math.max(MIN_IN_FLIGHT, Math.min(MAX_IN_FLIGHT, Math.ceil(batches)));
    }

    /** The record with its value as an array of its own, as dead letters copy it (rare; the fast path never does). */
    private static ConsumerRecord<byte[], byte[]> withValueBytes(ConsumerRecord<byte[], ByteBuffer> r) {
        byte[] value = null;
        if (r.value() != null) {
            ByteBuffer v = r.value().duplicate();
            value = new byte[v.remaining()];
            v.get(value);
        }
        return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(),
                r.serializedKeySize(), r.serializedValueSize(), r.key(), value, r.headers(), r.leaderEpoch());
    }

    private static Scored await(Future<Scored> result) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TeacherModelException("interrupted while waiting for a batch's inference", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TeacherModelException t) {
                throw t;
            }
            throw new TeacherModelException("inference failed: " + cause, cause);
        }
    }

    /** Scores and sends {@code records} (taking them from the deque) and everything in flight before them. */
    private void flush(Deque<ConsumerRecord<byte[], ByteBuffer>> records) {
        while (!records.isEmpty() || !inFlight.isEmpty()) {
            if (!records.isEmpty() && inFlight.size() < inFlightLimit) {
                submit(take(records));
            } else {
                sendHead(true);
            }
        }
    }

    /** Waits for the batches in flight and drops their results: their events are re-read after a rewind. */
    private void discardInFlight() {
        for (InFlight b = inFlight.poll(); b != null; b = inFlight.poll()) {
            if (b.result != null) {
                try {
                    b.result.get();
                } catch (ExecutionException e) {
                    // dropped either way
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            spareInputs.push(b.inputs);
        }
    }

    /** Swaps in a reloaded model between transactions: finishes and commits what the old one scored first. */
    private void swapModel() {
        flush(new ArrayDeque<>());
        commit();
        scoringModel = models.current();
    }

    private void beginIfNeeded(TeacherModel model) {
        if (inTransaction && transactionModel != model) {
            commit(); // not reached while swaps happen only between transactions; keeps one version per transaction
        }
        if (!inTransaction) {
            transactionModel = model;
            producer.beginTransaction();
            inTransaction = true;
            transactionStartNanos = System.nanoTime();
        }
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

    private void send(ConsumerRecord<byte[], ByteBuffer> source, String eventId, TeacherLogits logits) {
        RecordHeaders headers = new RecordHeaders();
        Encoding.BINARY.writeTo(headers);
        // same partition number as the event (the join relies on co-partitioning), whatever partitioner produced it
        Integer partition = keepPartition ? source.partition() : null;
        producer.send(new ProducerRecord<>(config.logitsTopic(), partition, null,
                eventId.getBytes(StandardCharsets.UTF_8), logitsCodec.encode(logits, Encoding.BINARY), headers));
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
        discardInFlight();
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
        Deque<ConsumerRecord<byte[], ByteBuffer>> theirs = new ArrayDeque<>();
        buffer.removeIf(r -> revoked.contains(new TopicPartition(r.topic(), r.partition())) && theirs.add(r));
        int held = theirs.size();
        if ((theirs.isEmpty() && inFlight.isEmpty() && !inTransaction) || fatal != null) {
            return;
        }
        // still the owner (the generation is current until we rejoin): score what we hold for them (buffered and in
        // flight, where the kept partitions' batches go too) and commit the open transaction, which may hold their
        // earlier events too
        try {
            flush(theirs);
            commit();
            LOG.info("committed the open transaction and {} buffered events of revoked partitions {}", held,
                    partitions);
        } catch (RuntimeException e) {
            if (FatalKafkaErrors.isFatal(e)) {
                fail(e);
                return;
            }
            LOG.warn("could not commit the open transaction with revoked partitions {}; their next owner re-reads "
                    + "them, the kept ones are rewound: {}", partitions, e.toString());
            discardInFlight();
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
        if (inTransaction || !inFlight.isEmpty()) {
            // they hold events of the lost partitions, which their new owner scores: they must not commit; the
            // events of kept partitions in them are re-read from the committed offsets
            discardInFlight();
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
        // the model is closed after the loop stops: no batch may still be scoring then
        inference.shutdown();
        try {
            if (!inference.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warn("the inference thread did not finish its batch within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
