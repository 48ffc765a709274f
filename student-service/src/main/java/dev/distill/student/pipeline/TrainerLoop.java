package dev.distill.student.pipeline;

import dev.distill.common.checkpoint.CheckpointPublisher;
import dev.distill.common.kafka.DeadLetterPublisher;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.example.TeacherOutput;
import dev.distill.student.example.EventLookup;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.metrics.TrainerMetrics;
import dev.distill.student.training.Batch;
import dev.distill.student.training.CheckpointStore;
import dev.distill.student.training.NonFiniteLossException;
import dev.distill.student.training.OnlineStudent;
import dev.distill.student.training.PrequentialStats;
import dev.distill.student.training.StudentCheckpoint;
import dev.distill.student.training.StudentConfig;
import dev.distill.student.training.TrainStepResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online trainer: reads the examples topic with a plain {@code read_committed} consumer that is
 * {@code assign}ed every partition (no group: positions live in the trainer's checkpoints, as Flink keeps source
 * offsets in its snapshots), scores each labelled example before training on it (prequential test-then-train),
 * trains in batches, and every {@code student.checkpoint.every.examples} or {@code .ms} captures a checkpoint
 * (parameters, optimiser state, the next offset per partition, counts) and hands it to the {@link CheckpointWriter},
 * which saves it, appends the trained offset ranges to the {@link TrainingLedger} and offers it to the
 * {@link PublishGate} on its own thread.
 *
 * <p>A restart resumes from the latest checkpoint and replays from its offsets: the examples trained after it are
 * trained again on the restored parameters, so each example is in the parameters exactly once. Undecodable or
 * ill-shaped examples go to the dead-letter topic and are counted; they never stop the loop.
 *
 * <p>Three threads: an {@link ExampleFetcher} polls, decodes and packs batches (soft targets folded in, labelled rows
 * scored by the last published version, see {@link ChampionScorer}) ahead of the training thread, which only steps,
 * scores and captures checkpoints; the {@link CheckpointWriter} saves and publishes them. Each batch carries the
 * positions just after its last record; a checkpoint stores those of the last batch trained. The prequential score
 * of a labelled example comes from the training step's own forward pass (parameters from before the step), not from
 * a second forward. {@link #run()} on one thread (it owns the student, and the consumer
 * before and after the fetcher runs), {@link #stop()} from any.
 */
public final class TrainerLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerLoop.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long READY_POLL_GAP_NANOS = Duration.ofSeconds(15).toNanos();
    private static final long LAG_EVERY_NANOS = Duration.ofMillis(100).toNanos();

    static final String META_EXAMPLES = "examples.trained";
    static final String META_SOFT = "examples.soft";
    static final String META_LABELLED = "examples.labelled";
    static final String META_DEAD = "examples.dead.lettered";
    static final String META_PUBLISHED_VERSION = "published.version";
    static final String META_PUBLISHED_METRIC = "published.metric";
    static final String META_LEDGER_FROM = "ledger.from.";

    private final StudentServiceConfig config;
    private final Clock clock;
    private final Consumer<byte[], byte[]> consumer;
    private final EventLookup events;
    private final DeadLetterPublisher deadLetters;
    private final CheckpointPublisher publisher;
    private final TrainerMetrics metrics;
    private final PrequentialStats stats;
    private final CheckpointStore store;
    private final StudentConfig studentConfig;
    private final int batchSize;
    private final long checkpointEveryExamples;
    private final long checkpointEveryNanos;
    private final int classes;
    private final long sampleSize;

    private ExampleFetcher fetcher;
    /** Position per partition (in {@code partitions} order) just after the last record trained or dead-lettered. */
    private long[] trainedPositions = new long[0];
    private int[] topBefore = new int[0];
    private OnlineStudent student;
    private TrainingLedger ledger;
    private List<TopicPartition> partitions = List.of();
    private Map<TopicPartition, Long> checkpointed = new HashMap<>();
    private long trainedSinceCheckpoint;
    private long lastCheckpointNanos;
    private long lastLagNanos;
    private final double publishedMetricAtStart;
    private final byte[] publishedParameters;
    private volatile CheckpointWriter writer; // from init(); read by status readers

    // Newest event timestamp trained (max over examples): what a version has "seen", for freshness measurements
    // (event produced -> edge serving a student trained on it).
    private long newestEventTrained = -1;

    private volatile long examplesTrained;
    private volatile long softTrained;
    private volatile long labelledTrained;
    private volatile long deadLettered;
    private volatile long lastPollNanos;
    private volatile boolean polling;
    private volatile boolean stopping;
    private volatile Throwable fatal;

    /**
     * @param publisher          transactional publisher of the checkpoints topic, already {@code resumeFrom} the
     *                           topic; null turns publishing off
     * @param publishedMetric    gate metric of the latest version on the checkpoints topic, NaN if unknown
     * @param publishedParameters that version's parameters, null if none (or another architecture): the publish
     *                           gate's champion until this loop publishes
     */
    public TrainerLoop(StudentServiceConfig config, Clock clock, Consumer<byte[], byte[]> consumer,
                       EventLookup events, DeadLetterPublisher deadLetters, CheckpointPublisher publisher, double publishedMetric,
                       byte[] publishedParameters, TrainerMetrics metrics) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.events = Objects.requireNonNull(events, "events");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.publisher = publisher;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.stats = metrics.stats();
        this.store = new CheckpointStore(config.checkpointDir(), config.checkpointKeep());
        this.studentConfig = config.studentConfig();
        this.batchSize = studentConfig.batchSize();
        this.checkpointEveryExamples = config.checkpointEveryExamples();
        this.checkpointEveryNanos = config.checkpointEvery().toNanos();
        this.classes = studentConfig.parsedArchitecture().numClasses();
        this.sampleSize = studentConfig.parsedArchitecture().sampleSize();
        this.publishedMetricAtStart = publishedMetric;
        this.publishedParameters = publishedParameters;
        if (classes != config.modelNumClasses() || sampleSize != config.modelInputSize()) {
            throw new IllegalArgumentException("student.architecture " + studentConfig.architecture() + " takes "
                    + sampleSize + " features and gives " + classes + " classes, but model.input.shape/"
                    + "model.num.classes say " + config.modelInputSize() + " and " + config.modelNumClasses());
        }
    }

    /** Asks the loop to train what it holds, write a final checkpoint and return. */
    public void stop() {
        stopping = true;
    }

    /** True while the loop polls (for {@code /ready}). */
    public boolean isPolling() {
        ExampleFetcher f = fetcher;
        long last = f == null ? lastPollNanos : f.lastPollNanos();
        return polling && !stopping && System.nanoTime() - last < READY_POLL_GAP_NANOS;
    }

    public Optional<Throwable> failure() {
        return Optional.ofNullable(fatal);
    }

    /** Examples in the parameters of the current model (restored from the checkpoint plus trained since). */
    public long examplesTrained() {
        return examplesTrained;
    }

    public long deadLettered() {
        return deadLettered;
    }

    /** Checkpoints written by this loop since it started. */
    public long checkpointsWritten() {
        CheckpointWriter w = writer;
        return w == null ? 0 : w.checkpointsWritten();
    }

    /**
     * The newest event timestamp (epoch ms, {@code TrainingExample.eventTimestamp}) among the examples in the
     * parameters of {@code version}, if this loop published that version since it started (the last 10 000 are
     * kept); empty otherwise.
     */
    public OptionalLong newestEventTrainedIn(long version) {
        CheckpointWriter w = writer;
        return w == null ? OptionalLong.empty() : w.newestEventTrainedIn(version);
    }

    /** Examples in the parameters of the last version this loop published, -1 before its first publish. */
    public long examplesInLastPublished() {
        CheckpointWriter w = writer;
        return w == null ? -1 : w.examplesInLastPublished();
    }

    /** The last version published (by this loop or found on the topic at start), -1 if none. */
    public long lastPublishedVersion() {
        CheckpointWriter w = writer;
        if (w != null) {
            return w.lastPublishedVersion();
        }
        return publisher == null ? -1 : publisher.lastVersion();
    }

    @Override
    public void run() {
        try {
            init();
            while (!stopping) {
                step();
            }
            for (ExampleFetcher.Prepared p : fetcher.stopAndDrain()) {
                train(p);
            }
            if (trainedSinceCheckpoint > 0) {
                checkpoint();
            }
            writer.awaitIdle();
            LOG.info("trainer stopped after {} examples ({} soft, {} labelled), {} dead letters", examplesTrained,
                    softTrained, labelledTrained, deadLettered);
        } catch (WakeupException e) {
            LOG.info("trainer woken up while stopping; the last checkpoint stands");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.info("trainer interrupted; the last checkpoint stands");
        } catch (RuntimeException | Error e) {
            fatal = e;
            LOG.error("trainer stopped on an error; restart it to resume from the last checkpoint", e);
        } finally {
            polling = false;
            if (fetcher != null && fetcher.isAlive()) {
                try {
                    fetcher.stopAndDrain(); // the consumer is its until it stops
                } catch (InterruptedException | RuntimeException e) {
                    LOG.debug("stopping the fetcher after a failure: {}", e.toString());
                }
            }
            if (writer != null) {
                writer.close(); // lets the checkpoint in hand be saved (and published) first
            }
            if (student != null) {
                student.close();
            }
            if (fetcher == null) {
                events.close(); // the fetcher closes it when it ran
            }
            consumer.close();
        }
    }

    private void init() throws InterruptedException {
        String topic = config.examplesTopic();
        List<PartitionInfo> infos = List.of();
        while (infos.isEmpty() && !stopping) {
            infos = Optional.ofNullable(consumer.partitionsFor(topic, Duration.ofSeconds(5))).orElse(List.of());
        }
        partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                .sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList();
        consumer.assign(partitions);
        ledger = new TrainingLedger(config.checkpointDir());
        long publishedVersion = publisher == null ? -1 : publisher.lastVersion();
        double publishedMetric = publishedMetricAtStart;
        Optional<StudentCheckpoint> latest = store.loadLatest();
        if (latest.isPresent()) {
            StudentCheckpoint c = latest.get();
            student = OnlineStudent.resume(studentConfig, clock, c);
            Map<String, String> meta = c.metadata();
            examplesTrained = longMeta(meta, META_EXAMPLES, 0);
            softTrained = longMeta(meta, META_SOFT, 0);
            labelledTrained = longMeta(meta, META_LABELLED, 0);
            deadLettered = longMeta(meta, META_DEAD, 0);
            publishedVersion = Math.max(publishedVersion, longMeta(meta, META_PUBLISHED_VERSION, -1));
            if (Double.isNaN(publishedMetric) && meta.containsKey(META_PUBLISHED_METRIC)) {
                publishedMetric = Double.parseDouble(meta.get(META_PUBLISHED_METRIC));
            }
            for (TopicPartition tp : partitions) {
                Long offset = c.offsets().get(tp.toString());
                if (offset == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, offset);
                }
            }
            recordMissingLedgerLines(c);
            LOG.info("trainer resumed from checkpoint at step {} ({} examples trained), offsets {}", c.step(),
                    examplesTrained, new TreeMap<>(c.offsets()));
        } else {
            Optional<java.nio.file.Path> warm = config.warmStart();
            if (warm.isPresent()) {
                student = OnlineStudent.warmStart(studentConfig, clock, readAll(warm.get()));
                LOG.info("trainer warm-started {} from {}", studentConfig.architecture(), warm.get());
            } else {
                student = OnlineStudent.create(studentConfig, clock);
                LOG.info("trainer starts a fresh {} (seed {})", studentConfig.architecture(), studentConfig.seed());
            }
            consumer.seekToBeginning(partitions);
        }
        checkpointed = new HashMap<>();
        trainedPositions = new long[partitions.size()];
        for (int i = 0; i < partitions.size(); i++) {
            TopicPartition tp = partitions.get(i);
            trainedPositions[i] = consumer.position(tp);
            checkpointed.put(tp, trainedPositions[i]);
        }
        topBefore = new int[batchSize];
        metrics.lastPublishedVersion(publishedVersion);
        lastCheckpointNanos = System.nanoTime();
        lastPollNanos = System.nanoTime();
        ChampionScorer champion = publisher == null ? null : new ChampionScorer(studentConfig.parsedArchitecture());
        if (champion != null && publishedParameters != null) {
            champion.offer(publishedParameters); // a restart compares with what is being served from the start
        }
        writer = new CheckpointWriter(config, store, ledger, publisher, champion, metrics, publishedVersion,
                publishedMetric);
        fetcher = new ExampleFetcher(consumer, partitions, trainedPositions, events, this::check, deadLetters, champion,
                batchSize, config.batchMaxWait(), (int) sampleSize, classes, studentConfig.temperature(),
                "trainer-fetch-" + config.modelName());
        fetcher.start();
        polling = true;
        LOG.info("trainer reads {} partitions of {} from {}", partitions.size(), topic, checkpointed);
    }

    // A crash between writing a checkpoint and its ledger lines leaves the ranges only in the checkpoint.
    private void recordMissingLedgerLines(StudentCheckpoint c) {
        if (ledger.lastStep() >= c.step()) {
            return;
        }
        List<TrainingLedger.Range> ranges = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            String from = c.metadata().get(META_LEDGER_FROM + tp.partition());
            Long to = c.offsets().get(tp.toString());
            if (from != null && to != null) {
                ranges.add(new TrainingLedger.Range(tp.partition(), Long.parseLong(from), to, c.step()));
            }
        }
        ledger.append(ranges);
        LOG.info("ledger lines of checkpoint step {} were missing (crash after the checkpoint); recorded them", c.step());
    }

    private void step() throws InterruptedException {
        writer.rethrowFailure();
        ExampleFetcher.Prepared p = fetcher.next(POLL);
        if (p != null) {
            train(p);
        }
        long now = System.nanoTime();
        if (now - lastLagNanos >= LAG_EVERY_NANOS) { // a gauge: no need to walk the fetcher's queue every step
            metrics.lag(fetcher.lag());
            lastLagNanos = now;
        }
        boolean due = trainedSinceCheckpoint >= checkpointEveryExamples
                || now - lastCheckpointNanos >= checkpointEveryNanos;
        if (due) {
            if (trainedSinceCheckpoint > 0) {
                checkpoint();
            } else {
                lastCheckpointNanos = System.nanoTime();
            }
        }
    }

    /** Runs on the fetcher's thread: reads only final fields. */
    private TrainingExample check(TrainingExample e, ConsumerRecord<byte[], byte[]> r) {
        for (TeacherOutput t : e.teachers()) {
            if (t.numClasses() != classes) {
                throw new MalformedRecordException(Reason.WRONG_SHAPE, where(r) + ": teacher " + t.teacherId()
                        + " gave " + t.numClasses() + " logits, the student has " + classes + " classes");
            }
        }
        if (e.hasLabel() && e.label() >= classes) {
            throw new MalformedRecordException(Reason.LABEL_OUT_OF_RANGE, where(r) + ": label " + e.label()
                    + " outside [0, " + classes + ")");
        }
        return e;
    }

    private String where(ConsumerRecord<byte[], byte[]> r) {
        return config.examplesTopic() + " record at partition " + r.partition() + " offset " + r.offset();
    }

    /** Trains one batch from the fetcher: test-then-train on its labelled rows, one step, counts and positions. */
    private void train(ExampleFetcher.Prepared p) {
        System.arraycopy(p.positions(), 0, trainedPositions, 0, trainedPositions.length);
        deadLettered += p.dead();
        int n = p.size();
        if (n == 0) {
            return;
        }
        newestEventTrained = Math.max(newestEventTrained, p.newestEvent());
        int labelled = p.labelled();
        int[] labels = p.labels();
        long t0 = System.nanoTime();
        try {
            // test-then-train: the step's forward pass scores every row with the parameters from before the step
            TrainStepResult result = student.step(p.batch(), topBefore);
            metrics.stepped(result, System.nanoTime() - t0);
            stats.recordLoss(result.softLoss(), result.hardLoss());
        } catch (NonFiniteLossException e) {
            LOG.warn("{}", e.getMessage());
        }
        if (labelled > 0) {
            int[] teacherTop = p.teacherTop();
            int[] championTop = p.championTop();
            for (int i = 0; i < n; i++) {
                if (labels[i] != Batch.NO_LABEL) {
                    stats.recordPrediction(labels[i], topBefore[i], teacherTop[i], championTop[i]);
                }
            }
        }
        // Counted even when a non-finite step was skipped: the examples were consumed and are covered by the ledger.
        examplesTrained += n;
        labelledTrained += labelled;
        softTrained += n - labelled;
        trainedSinceCheckpoint += n;
        metrics.examples(n - labelled, labelled);
    }

    /** Captures a checkpoint of what was trained and hands it to the writer (which saves and maybe publishes it). */
    private void checkpoint() throws InterruptedException {
        writer.awaitIdle(); // the previous one's publish decides the published version and metric recorded below
        Map<TopicPartition, Long> positions = new LinkedHashMap<>();
        Map<String, Long> offsets = new TreeMap<>();
        for (int i = 0; i < partitions.size(); i++) {
            // what was trained (or dead-lettered), not the consumer's position: the fetcher reads ahead
            TopicPartition tp = partitions.get(i);
            positions.put(tp, trainedPositions[i]);
            offsets.put(tp.toString(), trainedPositions[i]);
        }
        Map<String, String> meta = new TreeMap<>();
        meta.put(META_EXAMPLES, Long.toString(examplesTrained));
        meta.put(META_SOFT, Long.toString(softTrained));
        meta.put(META_LABELLED, Long.toString(labelledTrained));
        meta.put(META_DEAD, Long.toString(deadLettered));
        meta.put(META_PUBLISHED_VERSION, Long.toString(writer.lastPublishedVersion()));
        if (!Double.isNaN(writer.lastPublishedMetric())) {
            meta.put(META_PUBLISHED_METRIC, Double.toString(writer.lastPublishedMetric()));
        }
        checkpointed.forEach((tp, from) -> meta.put(META_LEDGER_FROM + tp.partition(), Long.toString(from)));
        StudentCheckpoint c = student.checkpoint(offsets, meta);
        List<TrainingLedger.Range> ranges = new ArrayList<>();
        positions.forEach((tp, to) -> ranges.add(
                new TrainingLedger.Range(tp.partition(), checkpointed.get(tp), to, c.step())));
        long now = System.nanoTime();
        writer.submit(new CheckpointWriter.Job(c, ranges, stats.snapshot(), examplesTrained, newestEventTrained,
                trainedSinceCheckpoint, now - lastCheckpointNanos));
        checkpointed = new HashMap<>(positions);
        trainedSinceCheckpoint = 0;
        lastCheckpointNanos = now;
    }

    private static long longMeta(Map<String, String> meta, String key, long absent) {
        String v = meta.get(key);
        return v == null ? absent : Long.parseLong(v);
    }

    private static byte[] readAll(java.nio.file.Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("student.warm.start " + file + ": cannot read parameters: "
                    + e.getMessage(), e);
        }
    }
}
