package dev.distill.student.pipeline;

import dev.distill.common.checkpoint.CheckpointPublisher;
import dev.distill.common.kafka.FatalKafkaErrors;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.metrics.TrainerMetrics;
import dev.distill.student.training.CheckpointStore;
import dev.distill.student.training.PrequentialStats;
import dev.distill.student.training.StudentCheckpoint;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the trainer's checkpoints durably, appends their {@link TrainingLedger} lines and publishes those that pass
 * the {@link PublishGate}, on a thread of its own: the training thread only captures a checkpoint (parameters,
 * optimiser state, offsets) and goes on stepping while the fsyncs, the signature and the publish transaction's round
 * trips happen. Those took a quarter of the trainer's time at a checkpoint every 10 000 examples (docs/benchmarks.md).
 *
 * <p>One checkpoint at a time: {@link #submit} first waits for the previous one, so checkpoints are saved, recorded
 * and published in step order, at most two are in memory, and the trainer, which reads {@link #lastPublishedVersion}
 * and {@link #lastPublishedMetric} into the next checkpoint's metadata after that wait, reads them current.
 * A failure of the writer (the disk, or a publisher fenced by another trainer) is kept and rethrown to the trainer
 * by {@link #rethrowFailure()}; a publish that fails otherwise is logged and the next checkpoint tries again.
 */
final class CheckpointWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointWriter.class);
    private static final int VERSIONS_REMEMBERED = 10_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

    /**
     * A checkpoint captured by the trainer and what goes with it.
     *
     * @param ranges             the offset ranges it trained since the previous checkpoint, for the ledger
     * @param stats              the prequential figures when it was captured (the gate's input)
     * @param examplesTrained    examples in its parameters
     * @param newestEventTrained newest event timestamp in its parameters, -1 if none
     * @param examplesSinceLast  examples trained since the previous checkpoint
     * @param nanosSinceLast     time since the previous checkpoint
     */
    record Job(StudentCheckpoint checkpoint, List<TrainingLedger.Range> ranges, PrequentialStats.Snapshot stats,
               long examplesTrained, long newestEventTrained, long examplesSinceLast, long nanosSinceLast) {}

    private final StudentServiceConfig config;
    private final CheckpointStore store;
    private final TrainingLedger ledger;
    private final CheckpointPublisher publisher;
    private final PublishGate gate;
    private final ChampionScorer champion;
    private final TrainerMetrics metrics;
    private final ExecutorService executor;
    private Future<?> inFlight; // trainer thread only

    // Written by the writer thread, read by the trainer after submit()'s wait and by status readers at any time.
    private volatile long lastPublishedVersion;
    private volatile double lastPublishedMetric;
    private volatile long examplesInLastPublished = -1;
    private volatile long checkpoints;
    private volatile Throwable failure;
    private final ConcurrentSkipListMap<Long, Long> newestEventPerVersion = new ConcurrentSkipListMap<>();

    /**
     * @param publisher       null turns publishing off
     * @param champion        is offered each published version's parameters; null when publishing is off
     * @param publishedVersion the last version known to be published, -1 if none
     * @param publishedMetric gate metric of that version, NaN if unknown
     */
    CheckpointWriter(StudentServiceConfig config, CheckpointStore store, TrainingLedger ledger,
                     CheckpointPublisher publisher, ChampionScorer champion, TrainerMetrics metrics,
                     long publishedVersion,
                     double publishedMetric) {
        this.config = config;
        this.store = store;
        this.ledger = ledger;
        this.publisher = publisher;
        this.champion = champion;
        this.gate = new PublishGate(config.gateEpsilon(), config.gateMinLabels());
        this.metrics = metrics;
        this.lastPublishedVersion = publishedVersion;
        this.lastPublishedMetric = publishedMetric;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "student-checkpoint-" + config.modelName());
            t.setDaemon(true);
            return t;
        });
    }

    /** Waits for the previous checkpoint to be done, then hands this one over. */
    void submit(Job job) throws InterruptedException {
        awaitIdle();
        inFlight = executor.submit(() -> {
            try {
                write(job);
            } catch (RuntimeException | Error e) {
                failure = e;
                LOG.error("checkpoint at step {} could not be written or published; the trainer stops",
                        job.checkpoint().step(), e);
            }
        });
    }

    /** Waits until the checkpoint handed over last (if any) is saved and, if it passed the gate, published. */
    void awaitIdle() throws InterruptedException {
        Future<?> f = inFlight;
        if (f != null) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("checkpoint writer task failed", e.getCause()); // write() catches all
            }
            inFlight = null;
        }
        rethrowFailure();
    }

    /** Throws, on the caller's thread, what stopped this writer, if anything did. */
    void rethrowFailure() {
        Throwable t = failure;
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    long lastPublishedVersion() {
        return lastPublishedVersion;
    }

    double lastPublishedMetric() {
        return lastPublishedMetric;
    }

    long examplesInLastPublished() {
        return examplesInLastPublished;
    }

    long checkpointsWritten() {
        return checkpoints;
    }

    OptionalLong newestEventTrainedIn(long version) {
        Long t = newestEventPerVersion.get(version);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** Lets the checkpoint in hand finish (up to a minute), then stops the thread. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("the last checkpoint was not written within {} s; the one before it stands",
                        CLOSE_WAIT.toSeconds());
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void write(Job job) {
        long t0 = System.nanoTime();
        StudentCheckpoint c = job.checkpoint();
        store.save(c);
        ledger.append(job.ranges());
        metrics.checkpointSaved(System.nanoTime() - t0);
        checkpoints++; // single writer thread
        LOG.info(String.format(Locale.ROOT, "checkpoint at step %d: %d examples in total, %d since the last "
                        + "(%.0f examples/s), offsets %s", c.step(), job.examplesTrained(), job.examplesSinceLast(),
                job.examplesSinceLast() / Math.max(1e-9, job.nanosSinceLast() / 1e9), c.offsets()));
        if (publisher != null) {
            considerPublishing(job);
        }
    }

    private void considerPublishing(Job job) {
        StudentCheckpoint c = job.checkpoint();
        PrequentialStats.Snapshot s = job.stats();
        PublishGate.Decision decision = gate.decide(s, config.gateMetric(), lastPublishedMetric);
        if (!decision.passes()) {
            metrics.heldBack();
            LOG.info("checkpoint at step {} held back: {}", c.step(), decision.reason());
            return;
        }
        double candidate = decision.candidate();
        long version = Math.max(lastPublishedVersion, publisher.lastVersion()) + 1;
        Map<String, Double> m = new TreeMap<>();
        putFinite(m, "accuracy", s.studentAccuracy());
        putFinite(m, "teacher_accuracy", s.teacherAccuracy());
        putFinite(m, "agreement", s.agreement());
        putFinite(m, "loss_soft", s.softLoss());
        putFinite(m, "loss_hard", s.hardLoss());
        putFinite(m, "window_labels", s.windowExamples());
        putFinite(m, "accuracy_previous_same_window", s.champion().championAccuracy());
        putFinite(m, "examples", job.examplesTrained());
        putFinite(m, "step", c.step());
        byte[] artifact = c.parameters();
        try {
            publisher.publish(version, c.architecture(), m, artifact, config.rolloutPercent());
        } catch (KafkaException e) {
            if (FatalKafkaErrors.isFatal(e)) {
                throw e; // another trainer took over this model, or we may not write: stop
            }
            LOG.warn("publishing {} v{} failed; the next checkpoint tries again: {}", config.modelName(), version,
                    e.toString());
            return;
        } catch (IllegalArgumentException e) {
            LOG.warn("publishing {} v{} failed; the next checkpoint tries again: {}", config.modelName(), version,
                    e.toString());
            return;
        }
        lastPublishedVersion = version;
        examplesInLastPublished = job.examplesTrained(); // after the version: a reader seeing these sees it too
        lastPublishedMetric = candidate;
        if (champion != null) {
            champion.offer(artifact);
        }
        if (job.newestEventTrained() >= 0) {
            newestEventPerVersion.put(version, job.newestEventTrained());
            if (newestEventPerVersion.size() > VERSIONS_REMEMBERED) {
                newestEventPerVersion.pollFirstEntry();
            }
        }
        metrics.published(version, artifact.length);
        LOG.info("published {} v{} (step {}, {} bytes): {}", config.modelName(), version, c.step(), artifact.length,
                decision.reason());
    }

    private static void putFinite(Map<String, Double> m, String key, double value) {
        if (Double.isFinite(value)) {
            m.put(key, value);
        }
    }
}
