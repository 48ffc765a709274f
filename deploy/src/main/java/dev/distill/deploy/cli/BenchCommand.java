package dev.distill.deploy.cli;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.topic.DistillTopics;
import dev.distill.deploy.bench.EdgeBench;
import dev.distill.deploy.bench.ReplayBench;
import dev.distill.deploy.bench.SoakBench;
import dev.distill.deploy.bench.SoakSettings;
import dev.distill.deploy.bench.pipeline.PipelineBench;
import dev.distill.deploy.bench.pipeline.PipelineSettings;
import dev.distill.common.serde.Encoding;
import dev.distill.deploy.local.LocalStack;
import dev.distill.deploy.local.TeacherModelCache;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.deploy.bench.StudentBench;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.deploy.bench.TeacherBench;
import dev.distill.teacher.config.TeacherConfig;
import dev.distill.teacher.training.TeacherArtifact;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Benchmarks that print figures and end with one machine-readable {@code <name>-bench key=value ...} line. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run a benchmark.",
                "Each prints figures and ends with one line '<target>-bench key=value ...'.",
                "broker: embedded broker start-to-ready and first produce/consume round trip.",
                "replay: the replay producer unpaced vs a plain KafkaProducer with the same record size and settings",
                "  (--events, default 60000), on an embedded broker.",
                "teacher: raw DJL batched inference (the ceiling) vs the service end to end through Kafka, and",
                "  event-to-logits latency at a moderate rate, on an embedded broker.",
                "edge: full vs delta vs int8 artifact sizes of consecutive versions, int8 accuracy drop, and",
                "  manifest-poll throughput of the update API (304s).",
                "student: raw DJL training-step ceiling vs the service's trained steps/s through Kafka, and",
                "  resident memory after 10 k and 200 k examples, on an embedded broker.",
                "soak: the local stack (cached teacher, student, edge agent) at a steady rate for --duration,",
                "  sampling resident memory, heap, live NDArrays, consumer lag and checkpoint freshness every",
                "  --sample-every; prints the trend after --warmup and checks that resident memory stays flat.",
                "pipeline: the whole path as production runs it: the replay, the teacher and the student each in",
                "  their own JVM on one broker (embedded, or --bootstrap-servers); two passes of --events fresh",
                "  events (cold, then warm, same service processes); end-to-end and per-stage events/s, Kafka's",
                "  own one-hop ceiling and the raw trainer ceiling in the same run, bytes the services write to",
                "  Kafka per byte of events, CPU per event and memory of each service, and the published student's",
                "  test accuracy. Teacher: --teacher-model FILE (TorchScript) or an mlp:784-512-256-10 trained on",
                "  first use and cached in <distill.home>/models."})
public final class BenchCommand implements Callable<Integer> {

    /** What can be benchmarked. */
    public enum Target { BROKER, TEACHER, STUDENT, EDGE, SOAK, REPLAY, PIPELINE }

    @Parameters(paramLabel = "TARGET", description = "One of: ${COMPLETION-CANDIDATES}.")
    Target target;

    @Option(names = "--repeat", defaultValue = "3", description = "Broker starts to measure (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--architecture", description = "teacher: architecture of the teacher (random weights unless "
            + "--model is given; default: " + TeacherBench.DEFAULT_ARCHITECTURE + ", the reference teacher; "
            + "mlp:784-512-512-10 is a model so cheap that Kafka I/O dominates); pipeline: the teacher trained on "
            + "first use (default: " + PipelineSettings.DEFAULT_TEACHER + ").")
    String teacherArchitecture;

    @Option(names = "--model", description = "teacher: a teacher model file (TorchScript, or DJL parameters of "
            + "--architecture) instead of random weights.")
    java.nio.file.Path teacherModel;

    @Option(names = "--events", description = "teacher: pre-loaded events for the throughput run (default: 20000); "
            + "replay: events sent by each producer (default: 60000); "
            + "pipeline: events per pass, at most 60000 (default: " + PipelineSettings.DEFAULT_EVENTS + ").")
    Integer teacherEvents;

    @Option(names = "--label-delay-events", paramLabel = "N",
            description = "pipeline: a label follows its event by N events (default: "
                    + PipelineSettings.DEFAULT_LABEL_DELAY_EVENTS + ").")
    Integer labelDelayEvents;

    @Option(names = "--teacher-model", paramLabel = "FILE",
            description = "pipeline: a TorchScript teacher instead of the cached " + PipelineSettings.DEFAULT_TEACHER + ".")
    Path pipelineTeacherModel;

    @Option(names = "--encoding", defaultValue = "BINARY",
            description = "pipeline: event encoding of the replay: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Encoding encoding;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "pipeline: an external cluster instead of the embedded broker (topics are created fresh "
                    + "per run; on a shared cluster, other clients' writes to the offsets and transaction topics count "
                    + "in the write amplification).")
    String bootstrapServers;

    @Option(names = "--stall-timeout", paramLabel = "TIME", defaultValue = "120s", converter = DurationConverter.class,
            description = "pipeline: fail when a service is not ready, or no stage progresses, for this long "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration stallTimeout;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "30m", converter = DurationConverter.class,
            description = "soak: how long to send events, e.g. 60s, 30m (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S", defaultValue = "150",
            description = "soak: steady event rate (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--sample-every", paramLabel = "TIME", defaultValue = "1m", converter = DurationConverter.class,
            description = "soak: time between samples (default: ${DEFAULT-VALUE}).")
    Duration sampleEvery;

    @Option(names = "--warmup", paramLabel = "TIME", converter = DurationConverter.class,
            description = "soak: samples before this are warm-up, left out of the flatness check and the freshness"
                    + " percentiles (default: a quarter of --duration, at most 5m).")
    Duration warmup;

    @Option(names = "--label-delay", paramLabel = "TIME", defaultValue = "5s", converter = DurationConverter.class,
            description = "soak: how long after its event a label arrives (default: ${DEFAULT-VALUE}).")
    Duration labelDelay;

    @Option(names = "--label-fraction", paramLabel = "F",
            description = "soak: fraction of events that get a label (default: 0.3); pipeline: (default: 1).")
    Double labelFraction;

    @Option(names = "--max-rss-growth", paramLabel = "PCT", defaultValue = "10",
            description = "soak: resident memory may grow this many percent after warm-up and still count as flat"
                    + " (default: ${DEFAULT-VALUE}).")
    double maxRssGrowthPct;

    @Option(names = "--teacher-architecture", paramLabel = "SPEC", defaultValue = "cnn:small",
            description = "soak: architecture if no teacher is cached in <distill.home>/models/teacher yet"
                    + " (default: ${DEFAULT-VALUE}).")
    String soakTeacherArchitecture;

    @Option(names = "--teacher-epochs", paramLabel = "N", defaultValue = "3",
            description = "soak, pipeline: epochs if the teacher must be trained first (default: ${DEFAULT-VALUE}).")
    int soakTeacherEpochs;

    @Mixin ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        switch (target) {
            case BROKER:
                return brokerBench();
            case REPLAY:
                return replayBench();
            case TEACHER:
                return teacherBench(teacherOptions());
            case STUDENT:
                return studentBench();
            case SOAK:
                return soakBench();
            case PIPELINE:
                return pipelineBench();
            default:
                return edgeBench();
        }
    }

    private int soakBench() throws Exception {
        SoakSettings settings = new SoakSettings(duration, rate, sampleEvery,
                warmup != null ? warmup : SoakSettings.defaultWarmup(duration), labelDelay,
                labelFraction != null ? labelFraction : 0.3,
                maxRssGrowthPct);
        Path teacherDir = Path.of(System.getProperty("distill.home", "var")).resolve("models/teacher");
        TeacherArtifact cachedTeacher = TeacherModelCache.ensure(teacherDir, soakTeacherArchitecture,
                soakTeacherEpochs, System.out);
        Path runDir = Files.createTempDirectory("distill-soak-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            System.out.printf("broker ready at %s%n", broker.bootstrapServers());
            DistillConfig cfg = config.loadForServices(LocalStack.teacherDefaults(teacherDir, cachedTeacher),
                    Map.of(DistillConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers()),
                    List.of(TeacherConfig.definition(), StudentServiceConfig.definition()));
            Topics.provision(cfg, DistillTopics.from(cfg), System.out);
            try (LocalStack stack = LocalStack.start(config, broker.bootstrapServers(), runDir, teacherDir,
                    cachedTeacher, System.out)) {
                SoakBench.run(settings, cfg, stack, System.out);
            }
            return 0;
        } finally {
            try (Stream<Path> paths = Files.walk(runDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("bench soak: could not remove " + runDir + ": " + e.getMessage());
            }
        }
    }

    private int pipelineBench() throws Exception {
        PipelineSettings settings = new PipelineSettings(
                teacherEvents != null ? teacherEvents : PipelineSettings.DEFAULT_EVENTS,
                labelDelayEvents != null ? labelDelayEvents : PipelineSettings.DEFAULT_LABEL_DELAY_EVENTS,
                labelFraction != null ? labelFraction : 1.0, encoding, pipelineTeacherModel,
                teacherArchitecture != null ? teacherArchitecture : PipelineSettings.DEFAULT_TEACHER, soakTeacherEpochs,
                bootstrapServers, stallTimeout, config.overrides);
        Path home = Path.of(System.getProperty("distill.home", "var"));
        System.out.println(new PipelineBench(settings, home, System.out).run().line());
        return 0;
    }

    private TeacherBench.Options teacherOptions() {
        TeacherBench.Options d = TeacherBench.Options.defaults();
        String architecture = teacherArchitecture != null ? teacherArchitecture
                : teacherModel != null ? "" : d.architecture();
        return new TeacherBench.Options(teacherModel, architecture, teacherEvents != null ? teacherEvents : d.events(),
                d.latencyRate(), d.latencyDuration(), d.batchSize(), config.overrides);
    }

    private static int teacherBench(TeacherBench.Options options) {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optNumPartitions(3).build().start()) {
            TeacherBench.Figures figures = TeacherBench.run(broker.bootstrapServers(), options);
            System.out.println(figures.line());
            return 0;
        } catch (Exception e) {
            throw new IllegalStateException("teacher benchmark failed: " + e.getMessage(), e);
        }
    }

    private static int studentBench() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optNumPartitions(3).build().start()) {
            System.out.println(StudentBench.run(broker.bootstrapServers(), StudentBench.Options.defaults()).line());
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static int edgeBench() {
        try {
            System.out.println(EdgeBench.run(EdgeBench.Settings.defaults(), System.out).line());
            return 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("edge benchmark failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private int replayBench() throws Exception {
        int events = teacherEvents != null ? teacherEvents : 60_000;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optNumPartitions(3).build().start()) {
            DistillConfig cfg = config.load(Map.of(DistillConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers()));
            LabelledImages images = FashionMnist.load(cfg.datasetDir(), Split.TRAIN);
            System.out.println(ReplayBench.run(cfg, images, events, System.out));
            return 0;
        }
    }

    private int brokerBench() {
        long[] startMs = new long[repeat];
        long[] roundTripMs = new long[repeat];
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
                startMs[i] = (System.nanoTime() - t0) / 1_000_000;
                roundTripMs[i] = firstRoundTripMillis(broker.bootstrapServers());
            }
            System.out.printf("start %d: ready in %d ms, first produce+consume round trip %d ms%n", i + 1, startMs[i], roundTripMs[i]);
        }
        System.out.printf("broker-bench starts=%d first_start_ms=%d min_start_ms=%d min_roundtrip_ms=%d%n", repeat, startMs[0],
                java.util.Arrays.stream(startMs).min().orElse(0), java.util.Arrays.stream(roundTripMs).min().orElse(0));
        return 0;
    }

    private static long firstRoundTripMillis(String bootstrap) {
        long t0 = System.nanoTime();
        String topic = "bench-roundtrip";
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "bench",
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            producer.send(new ProducerRecord<>(topic, "ping".getBytes(StandardCharsets.UTF_8))).get();
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (!records.isEmpty()) {
                    return (System.nanoTime() - t0) / 1_000_000;
                }
            }
            throw new IllegalStateException("no record came back from " + bootstrap + " within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("could not produce to " + bootstrap + ": " + e.getCause(), e.getCause());
        }
    }
}
