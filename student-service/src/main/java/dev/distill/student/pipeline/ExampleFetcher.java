package dev.distill.student.pipeline;

import dev.distill.common.kafka.DeadLetterPublisher;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.student.example.EventLookup;
import dev.distill.student.example.TeacherOutput;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.example.TrainingExampleCodec;
import dev.distill.student.training.Batch;
import dev.distill.student.training.TeacherEnsemble;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * The trainer's prefetch thread: polls the examples topic, decodes and checks each record, reads its event's features
 * from the events topic ({@link EventLookup}), folds the teachers' logits
 * into soft targets and packs whole training batches, so that the training thread only steps. It hands batches over
 * through a bounded queue; each carries the consumer position of every partition just after its last record, so
 * that a checkpoint taken after training it holds offsets that cover exactly what was trained.
 *
 * <p>Batches are cut at the batch size, or when the first row of a partial batch has waited {@code maxWait} (an
 * idle stream is still trained within that bound). Cutting whenever a poll came back empty, as before, made the
 * tail of a stream (labels arriving after the events) a run of full-size Adam steps of 5-13 rows, and the last
 * published versions swung by 5 points on the drifted test split. Records that fail to decode or check go to the dead
 * letter topic here and are counted in the batch that follows them. The consumer belongs to this thread from
 * {@link #start()} until {@link #stopAndJoin()} returns.
 */
final class ExampleFetcher implements Runnable {

    private static final Duration POLL = Duration.ofMillis(100);
    /** Batches decoded ahead of the trainer: enough to cover a poll's hiccup, little memory (~200 KB each). */
    static final int QUEUE_BATCHES = 4;

    /**
     * One batch ready to train (null {@code batch} when only dead letters or nothing moved the positions);
     * {@code teacherTop} and {@code championTop} hold -1 where there is no teacher or no champion score.
     */
    record Prepared(Batch batch, int[] labels, int[] teacherTop, int[] championTop, int labelled, int dead,
                    long newestEvent, long[] positions) {
        int size() {
            return batch == null ? 0 : batch.size();
        }
    }

    private final Consumer<byte[], byte[]> consumer;
    /** Validates a decoded example against its record, throwing {@link MalformedRecordException}. */
    @FunctionalInterface
    interface Check {
        TrainingExample apply(TrainingExample example, ConsumerRecord<byte[], byte[]> record);
    }

    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Integer> index = new HashMap<>();
    private final TrainingExampleCodec codec = new TrainingExampleCodec();
    private final EventLookup events;
    private final Check check;
    private final DeadLetterPublisher deadLetters;
    private final int batchSize;
    private final long maxWaitNanos;
    private final int sampleSize;
    private final int classes;
    private final float temperature;
    private final BlockingQueue<Prepared> queue = new ArrayBlockingQueue<>(QUEUE_BATCHES);
    private final ChampionScorer champion;
    private final Thread thread;

    // the batch being packed (this thread only)
    private final float[] features;
    private final float[] soft;
    private final boolean[] hasSoft;
    private final int[] labels;
    private final int[] teacherTop;
    private final long[] positions;
    private int rows;
    private int labelled;
    private int dead;
    private boolean moved;
    /** When the batch being packed got its first record (meaningful while {@code rows > 0 || moved}). */
    private long batchStartNanos;
    private long newestEvent = -1;

    private volatile boolean stopping;
    private volatile long lag;
    private volatile long lastPollNanos = System.nanoTime();
    private volatile RuntimeException failure;

    /**
     * @param start the consumer's position per partition (in {@code partitions} order) when this thread takes over
     * @param events reads each example's features from the events topic; this thread closes it when it ends
     * @param check validates a decoded example against its record, throwing {@link MalformedRecordException}
     * @param champion scores the labelled rows of each batch with the last published version; null for none. This
     *                 thread closes it when it ends.
     * @param maxWait  how long a partial batch waits for more rows before it is trained
     */
    ExampleFetcher(Consumer<byte[], byte[]> consumer, List<TopicPartition> partitions, long[] start,
                   EventLookup events, Check check,
                   DeadLetterPublisher deadLetters, ChampionScorer champion, int batchSize, Duration maxWait,
                   int sampleSize, int classes, float temperature, String threadName) {
        this.consumer = consumer;
        this.partitions = List.copyOf(partitions);
        for (int i = 0; i < partitions.size(); i++) {
            index.put(partitions.get(i), i);
        }
        this.events = events;
        this.check = check;
        this.deadLetters = deadLetters;
        this.champion = champion;
        this.batchSize = batchSize;
        this.maxWaitNanos = maxWait.toNanos();
        this.sampleSize = sampleSize;
        this.classes = classes;
        this.temperature = temperature;
        this.features = new float[batchSize * sampleSize];
        this.soft = new float[batchSize * classes];
        this.hasSoft = new boolean[batchSize];
        this.labels = new int[batchSize];
        this.teacherTop = new int[batchSize];
        this.positions = start.clone();
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The next batch, waiting up to {@code timeout}; null if none came. Rethrows a failure of this thread. */
    Prepared next(Duration timeout) throws InterruptedException {
        Prepared p = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (p == null && failure != null) {
            throw failure;
        }
        return p;
    }

    /**
     * Stops polling and returns, in order, every batch it packed that the trainer has not taken yet (including the
     * partial one it held), once the thread is gone.
     */
    List<Prepared> stopAndDrain() throws InterruptedException {
        stopping = true;
        List<Prepared> rest = new java.util.ArrayList<>();
        while (thread.isAlive()) {
            queue.drainTo(rest); // it may be waiting for room to hand over a batch
            thread.join(10);
        }
        queue.drainTo(rest);
        if (failure != null) {
            throw failure;
        }
        return rest;
    }

    /** Examples waiting in the queue plus the consumer's lag after its last poll. */
    long lag() {
        long queued = 0;
        for (Prepared p : queue) {
            queued += p.size();
        }
        return lag + queued + rows;
    }

    long lastPollNanos() {
        return lastPollNanos;
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                lastPollNanos = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    add(r);
                    if (rows == batchSize && !handOver()) {
                        return;
                    }
                }
                if ((rows > 0 || moved) && System.nanoTime() - batchStartNanos >= maxWaitNanos && !handOver()) {
                    return;
                }
                long total = 0;
                for (TopicPartition tp : partitions) {
                    OptionalLong l = consumer.currentLag(tp);
                    if (l.isPresent()) {
                        total += l.getAsLong();
                    }
                }
                lag = total;
            }
            if (rows > 0 || moved) {
                handOver();
            }
        } catch (CancellationException e) {
            // stopping while an event read waited for the cluster: that record is left for the next run
            if (rows > 0 || moved) {
                handOver();
            }
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            failure = new IllegalStateException("the trainer's fetch thread failed: " + e, e);
            throw e;
        } finally {
            if (champion != null) {
                champion.close();
            }
            events.close();
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        int i = rows;
        TrainingExample e;
        try {
            e = check.apply(codec.decode(r.key(), r.value()), r);
            // the features go straight into the batch; a rejected record's partial row is overwritten by the next
            events.featuresInto(e, features, i * sampleSize, sampleSize, () -> stopping);
        } catch (MalformedRecordException ex) {
            advance(r);
            deadLetters.publish(r, ex);
            dead++;
            return;
        }
        advance(r);
        teacherTop[i] = -1;
        hasSoft[i] = softTarget(e.teachers(), temperature, classes, soft, i * classes);
        if (hasSoft[i]) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (soft[i * classes + c] > soft[i * classes + best]) {
                    best = c;
                }
            }
            teacherTop[i] = best; // as OnlineStudent.argmax

        }
        labels[i] = e.hasLabel() ? e.label() : Batch.NO_LABEL;
        if (e.hasLabel()) {
            labelled++;
        }
        newestEvent = Math.max(newestEvent, e.eventTimestamp());
        rows++;
    }

    private void advance(ConsumerRecord<byte[], byte[]> r) {
        Integer at = index.get(new TopicPartition(r.topic(), r.partition()));
        if (at != null) {
            positions[at] = r.offset() + 1;
        }
        if (!moved && rows == 0) {
            batchStartNanos = System.nanoTime();
        }
        moved = true;
    }

    /**
     * The combined soft target of an example's {@code teachers} into {@code out[at, at + classes)}: as
     * {@link TeacherEnsemble#combine} with the example's own weights (default 0), with the same arithmetic for the
     * usual single teacher but without building the ensemble and its maps per example. Returns false (row untouched
     * but zeroed) when no teacher with a positive weight is present.
     */
    static boolean softTarget(List<TeacherOutput> teachers, float temperature, int classes, float[] out, int at) {
        if (teachers.size() == 1) {
            TeacherOutput t = teachers.get(0);
            double w = t.weight();
            if (w > 0) {
                float[] logits = t.logits();
                double max = Double.NEGATIVE_INFINITY;
                for (float l : logits) {
                    max = Math.max(max, l);
                }
                double[] p = new double[classes];
                double z = 0;
                for (int c = 0; c < classes; c++) {
                    p[c] = Math.exp((logits[c] - max) / temperature);
                    z += p[c];
                }
                for (int c = 0; c < classes; c++) {
                    out[at + c] = (float) ((0.0 + w * (p[c] / z)) / w);
                }
                return true;
            }
        }
        float[] combined = null;
        if (teachers.size() > 1 || (teachers.size() == 1 && !(teachers.get(0).weight() > 0))) {
            Map<String, Double> weights = new HashMap<>();
            Map<String, float[]> logits = new HashMap<>();
            for (TeacherOutput t : teachers) {
                weights.put(t.teacherId(), (double) t.weight());
                logits.put(t.teacherId(), t.logits());
            }
            combined = new TeacherEnsemble(weights, 0.0, temperature, classes).combine(logits);
        }
        if (combined == null) {
            Arrays.fill(out, at, at + classes, 0f);
            return false;
        }
        System.arraycopy(combined, 0, out, at, classes);
        return true;
    }

    /** Packs the current batch and queues it, waiting for room; false if interrupted. */
    private boolean handOver() {
        Prepared p = pack();
        try {
            queue.put(p);
            return true;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Prepared pack() {
        int n = rows;
        Batch batch = null;
        if (n > 0) {
            batch = n == batchSize ? new Batch(n, features, soft, hasSoft, labels)
                    : new Batch(n, Arrays.copyOf(features, n * sampleSize), Arrays.copyOf(soft, n * classes),
                            Arrays.copyOf(hasSoft, n), Arrays.copyOf(labels, n));
        }
        int[] championTop = new int[n];
        Arrays.fill(championTop, -1);
        if (champion != null && labelled > 0) {
            champion.score(features, labels, n, championTop);
        }
        Prepared p = new Prepared(batch, Arrays.copyOf(labels, n), Arrays.copyOf(teacherTop, n), championTop,
                labelled, dead, newestEvent, positions.clone());
        rows = 0;
        labelled = 0;
        dead = 0;
        moved = false;
        newestEvent = -1;
        return p;
    }
}
