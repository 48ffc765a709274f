package dev.distill.deploy.bench;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.student.StudentService;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.example.TeacherOutput;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.example.TrainingExampleCodec;
import dev.distill.student.topology.StudentJoinConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The student's training throughput in one run: the raw DJL step ceiling ({@link StudentStepBench}, no Kafka), the
 * running {@link StudentService}'s trained examples per second through Kafka, their ratio, and the process's
 * resident memory after 10 k and 200 k trained examples. Ends with one machine-readable line
 * {@code student-bench raw_sps=... service_sps=... ratio=... rss_10k_mb=... rss_200k_mb=...}.
 *
 * <p>The service part skips the join: {@link Options#examples()} events (Fashion-MNIST training images, replayed with
 * new ids beyond 60 000) and their joined examples (30 % labelled, all with teacher logits made from the label) are
 * produced to fresh events and examples topics before the service starts, so the trainer, not the join, is measured:
 * poll, decode, read the features from the events topic, batch, step, checkpoint and publish. The service rate is timed over
 * {@link Options#serviceExamples()} examples after {@link Options#serviceWarmup()} trained ones (startup and
 * allocator warm-up excluded, as the raw bench excludes its warm-up steps).
 *
 * <p>Before the timed run, {@link Options#warmupPasses()} untimed services in turn (each under its own model name,
 * checkpoint directory and join application id, so that every run starts from scratch) train all the examples and
 * stop: the JVM's warm-up (JIT, heap sizing) is excluded, as a long-running service has it behind it. A perf
 * profile (2026-11-24) showed the C2 compiler using 0.3-0.6 of a core throughout the timed window with no warm-up
 * pass and still after one; the ratio went from 0.47-0.56 (none) to 0.57-0.65 (one) and 0.70-0.99 (three).
 *
 * <p>RSS is the whole process's VmRSS: with an embedded broker it includes the broker.
 *
 * <p>Usage: {@code StudentBench <bootstrap-servers>}. Run with {@code -Dai.djl.pytorch.num_threads=1
 * -Dai.djl.offline=true}; nothing else may train a student in the same JVM meanwhile.
 */
public final class StudentBench {

    private static final int PARTITIONS = 2;
    private static final int CLASSES = 10;

    /**
     * What to run.
     *
     * @param architecture    student architecture (raw bench and service)
     * @param batch           examples per step (raw bench and service)
     * @param rawSteps        timed steps of the raw bench
     * @param rawWarmup       untimed warm-up steps of the raw bench
     * @param warmupPasses    untimed services that each train all {@code examples} before the timed one starts
     * @param serviceWarmup   trained examples before the service's timing starts
     * @param serviceExamples trained examples the service rate is measured over
     * @param examples        examples pre-loaded to the examples topic; at least the largest RSS mark
     * @param rssMarks        trained-example counts at which RSS is sampled (reported: the first two)
     * @param datasetDir      Fashion-MNIST directory
     */
    public record Options(String architecture, int batch, int rawSteps, int rawWarmup, int warmupPasses,
                          long serviceWarmup, long serviceExamples, long examples, long[] rssMarks, Path datasetDir) {

        public Options {
            if (rssMarks.length != 2) {
                throw new IllegalArgumentException("rssMarks must hold two counts (e.g. 10000 and 200000), got "
                        + rssMarks.length);
            }
            rssMarks = rssMarks.clone();
            long largest = Math.max(rssMarks[0], rssMarks[1]);
            if (examples < largest || examples < serviceWarmup + serviceExamples) {
                throw new IllegalArgumentException("examples (" + examples + ") must cover serviceWarmup + "
                        + "serviceExamples (" + (serviceWarmup + serviceExamples) + ") and the largest RSS mark ("
                        + largest + ")");
            }
            if (warmupPasses < 0) {
                throw new IllegalArgumentException("warmupPasses must be >= 0, got " + warmupPasses);
            }
        }

        public static Options defaults() {
            return new Options("mlp:784-128-10", 64, 3_000, 300, 3, 40_000, 150_000, 200_000,
                    new long[] {10_000, 200_000}, FashionMnist.DEFAULT_DIR);
        }

        @Override
        public long[] rssMarks() {
            return rssMarks.clone();
        }
    }

    /**
     * Figures of one run; {@code *Sps} are steps per second at {@link Options#batch()}, {@code *Eps} examples per
     * second, {@code ratio} = service / raw (the mean of the raw runs before and after the service). RSS in MiB, -1
     * when /proc/self/status is unavailable.
     */
    public record Figures(StudentStepBench.Result raw, StudentStepBench.Result rawAfter, double serviceSps,
                          double serviceEps, double ratio,
                          long serviceExamplesTimed, double serviceSeconds, double rssBaseMb, double rssFirstMb,
                          double rssSecondMb, long[] rssMarks, double produceSeconds, int warmupPasses) {

        public Figures {
            rssMarks = rssMarks.clone();
        }

        @Override
        public long[] rssMarks() {
            return rssMarks.clone();
        }

        public String line() {
            return String.format(Locale.ROOT,
                    "student-bench raw_sps=%.1f service_sps=%.1f ratio=%.3f rss_%s_mb=%.0f rss_%s_mb=%.0f "
                            + "raw_eps=%.0f service_eps=%.0f raw_cpu_sps=%.1f rss_base_mb=%.0f arch=%s batch=%d "
                            + "service_examples=%d service_seconds=%.2f produce_seconds=%.1f raw_before_sps=%.1f "
                            + "raw_after_sps=%.1f warmup_passes=%d",
                    rawSps(), serviceSps, ratio, mark(rssMarks[0]), rssFirstMb, mark(rssMarks[1]),
                    rssSecondMb, rawSps() * raw.batch(), serviceEps, raw.cpuStepsPerSecond(), rssBaseMb,
                    raw.architecture(), raw.batch(), serviceExamplesTimed, serviceSeconds, produceSeconds,
                    raw.stepsPerSecond(), rawAfter.stepsPerSecond(), warmupPasses);
        }

        /** The ceiling: the mean of the raw runs before and after the service (the machine's load drifts). */
        public double rawSps() {
            return (raw.stepsPerSecond() + rawAfter.stepsPerSecond()) / 2;
        }

        private static String mark(long n) {
            return n % 1000 == 0 ? (n / 1000) + "k" : Long.toString(n);
        }
    }

    private StudentBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: StudentBench <bootstrap-servers>");
            System.exit(2);
        }
        System.out.println(run(args[0], Options.defaults()).line());
    }

    /** Runs the raw bench, then the service against {@code bootstrapServers} on fresh topics (deleted afterwards). */
    public static Figures run(String bootstrapServers, Options options) throws InterruptedException {
        StudentStepBench.Result raw = StudentStepBench.run(options.architecture(), options.batch(),
                options.rawSteps(), options.rawWarmup());

        String run = "bench-" + Long.toString(System.currentTimeMillis(), 36);
        Path dir = tempDir(run);
        Map<String, Object> settings = settings(bootstrapServers, run, dir, options);
        StudentServiceConfig config = new StudentServiceConfig(settings);
        List<String> topics = List.of(config.eventsTopic(), config.teacherLogitsTopic(), config.labelsTopic(),
                config.examplesTopic(), config.getString(DistillConfig.TOPIC_CHECKPOINTS),
                config.getString(DistillConfig.TOPIC_EDGE_STATUS), config.deadLetterTopic());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            try {
                createTopics(admin, List.of(config.eventsTopic(), config.examplesTopic()));
                long produceStart = System.nanoTime();
                produceExamples(bootstrapServers, config.eventsTopic(), config.examplesTopic(), options);
                double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
                for (int pass = 1; pass <= options.warmupPasses(); pass++) {
                    trainUntil(warmupConfig(settings, dir, run, pass), options.examples(), "warm-up service " + pass,
                            (trained, now) -> { });
                }
                return trainAndMeasure(config, options, raw, produceSeconds);
            } finally {
                admin.deleteTopics(topics);
                deleteRecursively(dir);
            }
        }
    }

    private static Figures trainAndMeasure(StudentServiceConfig config, Options options, StudentStepBench.Result raw,
                                           double produceSeconds) throws InterruptedException {
        long[] marks = options.rssMarks();
        double[] rss = {-1, -1};
        double base = rssMb();
        long timedEnd = options.serviceWarmup() + options.serviceExamples();
        long until = Math.max(timedEnd, Math.max(marks[0], marks[1]));
        TimedWindow window = new TimedWindow(Math.max(1, options.serviceWarmup()), timedEnd);
        trainUntil(config, until, "the service", (trained, now) -> {
            window.observe(trained, now);
            for (int m = 0; m < 2; m++) {
                if (rss[m] < 0 && trained >= marks[m]) {
                    rss[m] = rssMb();
                }
            }
        });
        long timedCount = window.count;
        long timedNanos = window.nanos;
        double seconds = timedNanos / 1e9;
        double eps = seconds > 0 ? timedCount / seconds : Double.NaN;
        double sps = eps / options.batch();
        // the ceiling again after the service (its JVM threads are gone): the load of a shared machine drifts
        StudentStepBench.Result rawAfter = StudentStepBench.run(options.architecture(), options.batch(),
                options.rawSteps(), options.rawWarmup());
        double rawSps = (raw.stepsPerSecond() + rawAfter.stepsPerSecond()) / 2;
        return new Figures(raw, rawAfter, sps, eps, sps / rawSps, timedCount, seconds, base, rss[0], rss[1],
                marks, produceSeconds, options.warmupPasses());
    }

    /** The same topics under another model name, checkpoint directory and join application id. */
    private static StudentServiceConfig warmupConfig(Map<String, Object> settings, Path dir, String run, int pass) {
        Map<String, Object> s = new HashMap<>(settings);
        s.put(StudentServiceConfig.MODEL_NAME, "bench-student-warmup-" + pass);
        s.put(StudentServiceConfig.CHECKPOINT_DIR, dir.resolve("warmup-" + pass).resolve("checkpoints").toString());
        s.put(StudentJoinConfig.APPLICATION_ID, run + "-warmup-" + pass + "-join");
        s.put("kafka.state.dir", dir.resolve("warmup-" + pass).resolve("streams").toString());
        return new StudentServiceConfig(s);
    }

    /** The examples trained, and the time taken, from the first count at or past {@code from} to {@code to}. */
    private static final class TimedWindow {
        private final long from;
        private final long to;
        private long firstCount = -1;
        private long firstNanos;
        long count;
        long nanos;

        TimedWindow(long from, long to) {
            this.from = from;
            this.to = to;
        }

        void observe(long trained, long now) {
            if (firstCount < 0 && trained >= from) {
                firstCount = trained;
                firstNanos = now;
            }
            if (nanos == 0 && trained >= to) {
                count = trained - firstCount;
                nanos = now - firstNanos;
            }
        }
    }

    /** What {@link #trainUntil} reports every 2 ms: examples trained so far, and {@code System.nanoTime()}. */
    private interface Progress {
        void at(long trained, long nanos);
    }

    /**
     * Runs a service until it has trained {@code examples}, reporting progress every 2 ms; fails if its trainer
     * fails or it takes more than 30 minutes.
     */
    private static void trainUntil(StudentServiceConfig config, long examples, String what, Progress progress)
            throws InterruptedException {
        try (StudentService service = StudentService.start(config)) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            while (true) {
                if (service.failure().isPresent()) {
                    throw new IllegalStateException(what + "'s trainer failed during the bench",
                            service.failure().get());
                }
                long now = System.nanoTime();
                long trained = service.trainer().examplesTrained();
                progress.at(trained, now);
                if (trained >= examples) {
                    return;
                }
                if (now > deadline) {
                    throw new IllegalStateException(what + " trained only " + trained + " of " + examples
                            + " examples within 30 minutes");
                }
                Thread.sleep(2);
            }
        }
    }

    private static Map<String, Object> settings(String bootstrap, String run, Path dir, Options options) {
        Map<String, Object> s = new HashMap<>();
        s.put(DistillConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(DistillConfig.TOPIC_EVENTS, run + ".events");
        s.put(DistillConfig.TOPIC_TEACHER_LOGITS, run + ".teacher-logits");
        s.put(DistillConfig.TOPIC_LABELS, run + ".labels");
        s.put(DistillConfig.TOPIC_CHECKPOINTS, run + ".checkpoints");
        s.put(DistillConfig.TOPIC_EDGE_STATUS, run + ".edge-status");
        s.put(DistillConfig.TOPIC_DEAD_LETTER, run + ".dead-letter");
        s.put(DistillConfig.TOPIC_PARTITIONS, Integer.toString(PARTITIONS));
        s.put(DistillConfig.HTTP_PORT, "-1");
        s.put(StudentJoinConfig.EXAMPLES_TOPIC, run + ".examples");
        s.put(StudentJoinConfig.APPLICATION_ID, run + "-join");
        s.put("kafka.state.dir", dir.resolve("streams").toString());
        s.put(StudentServiceConfig.MODEL_NAME, "bench-student");
        s.put(StudentServiceConfig.ARCHITECTURE, options.architecture());
        s.put(StudentServiceConfig.BATCH_SIZE, Integer.toString(options.batch()));
        s.put(StudentServiceConfig.CHECKPOINT_DIR, dir.resolve("checkpoints").toString());
        s.put(StudentServiceConfig.SIGNING_KEY, dir.resolve("keys").resolve("signing.pem").toString());
        return s;
    }

    private static void createTopics(Admin admin, List<String> names) {
        List<NewTopic> topics = names.stream().map(n -> new NewTopic(n, PARTITIONS, (short) 1)).toList();
        try {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the bench topics " + names + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the bench topics", e);
        }
    }

    /**
     * Events and their joined examples straight onto the events and examples topics: image {@code k mod 60000} under
     * id {@code r<round>-fm-<i>}, event {@code k} in partition {@code k mod PARTITIONS} at offset
     * {@code k / PARTITIONS} (one idempotent producer on a fresh topic writes dense offsets), which its example
     * names; every example carries teacher logits peaked at the label; 3 in 10 are LABELLED, the rest SOFT.
     */
    private static void produceExamples(String bootstrap, String eventsTopic, String topic, Options options) {
        LabelledImages images = FashionMnist.load(options.datasetDir(), Split.TRAIN);
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        TrainingExampleCodec codec = new TrainingExampleCodec();
        EventCodec events = new EventCodec();
        int[] shape = {images.rows(), images.cols()};
        long t0 = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (long k = 0; k < options.examples(); k++) {
                int i = (int) (k % images.count());
                String id = "r" + (k / images.count()) + "-fm-" + i;
                long ts = t0 + k;
                int y = images.label(i);
                float[] logits = new float[CLASSES];
                logits[y] = 4f;
                List<TeacherOutput> teacher = List.of(new TeacherOutput("bench-teacher", "v1", 1f, logits));
                int partition = (int) (k % PARTITIONS);
                long offset = k / PARTITIONS;
                RecordHeaders headers = new RecordHeaders();
                Encoding.BINARY.writeTo(headers);
                producer.send(new ProducerRecord<>(eventsTopic, partition, ts, id.getBytes(StandardCharsets.UTF_8),
                        events.encode(new Event(id, ts, shape, images.image(i)), Encoding.BINARY), headers));
                TrainingExample example = k % 10 < 3
                        ? TrainingExample.labelled(id, ts, partition, offset, teacher, new Label(y, ts + 1))
                        : TrainingExample.soft(id, ts, partition, offset, teacher);
                producer.send(new ProducerRecord<>(topic, partition, ts, id.getBytes(StandardCharsets.UTF_8),
                        codec.encode(example)));
            }
            producer.flush();
        }
    }

    /** Resident set size of this process in MiB (VmRSS of /proc/self/status), or -1 where that file is missing. */
    static double rssMb() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0).orElse(-1.0);
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private static Path tempDir(String run) {
        try {
            return Files.createTempDirectory("distill-student-" + run);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the bench's state", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("student-bench: could not delete " + dir + ": " + e);
        }
    }
}
