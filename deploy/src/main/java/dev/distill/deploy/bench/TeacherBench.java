package dev.distill.deploy.bench;

import ai.djl.Model;
import com.sun.management.OperatingSystemMXBean;
import dev.distill.common.event.Event;
import dev.distill.common.metrics.MetricNames;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.teacher.TeacherService;
import dev.distill.teacher.config.TeacherConfig;
import dev.distill.teacher.inference.TeacherModel;
import dev.distill.teacher.inference.TeacherModels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Teacher benchmark against a running broker: raw batched DJL inference (the ceiling), the service's end-to-end
 * throughput through Kafka on pre-loaded events, and event→logits latency at a fixed moderate rate. Prints progress
 * and ends with one line {@code teacher-bench raw_eps=… service_eps=… ratio=… p50_ms=… p99_ms=…}.
 *
 * <p>Usage: {@code TeacherBench BOOTSTRAP [--model FILE] [--architecture SPEC] [--events N] [--rate EPS]}; without
 * {@code --model}, random weights of {@code --architecture} (default {@value #DEFAULT_ARCHITECTURE}, the reference
 * teacher the local stack runs) are used. {@code --architecture mlp:784-512-512-10} gives the earlier figure, a model
 * so cheap that Kafka I/O and decoding dominate.
 */
public final class TeacherBench {

    public static final String DEFAULT_ARCHITECTURE = "cnn:small";
    private static final int PARTITIONS = 3;

    /** The figures; {@link #line()} is the machine-readable summary. */
    public record Figures(String model, double rawEps, double serviceEps, double p50Ms, double p99Ms) {
        public double ratio() {
            return serviceEps / rawEps;
        }

        public String line() {
            return String.format(Locale.ROOT, "teacher-bench raw_eps=%.0f service_eps=%.0f ratio=%.3f p50_ms=%.1f p99_ms=%.1f"
                    + " model=%s", rawEps, serviceEps, ratio(), p50Ms, p99Ms, model.replace(' ', '_'));
        }
    }

    /**
     * Options; {@code model} null means a random {@value #DEFAULT_ARCHITECTURE}. {@code batchSize} is both the raw
     * ceiling's batch and the service's {@code teacher.batch.max.size}, so the two are compared like for like;
     * {@code overrides} are further service config keys (e.g. {@code teacher.commit.interval.ms}).
     */
    public record Options(Path model, String architecture, int events, int latencyRate, Duration latencyDuration,
                          int batchSize, Map<String, String> overrides) {
        public Options {
            overrides = Map.copyOf(overrides);
        }

        public static Options defaults() {
            return new Options(null, DEFAULT_ARCHITECTURE, 20_000, 500, Duration.ofSeconds(10), 64, Map.of());
        }
    }

    private TeacherBench() {}

    public static void main(String... args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: TeacherBench BOOTSTRAP [--model FILE] [--architecture SPEC] [--events N] [--rate EPS] "
                    + "[--batch N] [--set key=value]...");
            System.exit(2);
        }
        Options o = Options.defaults();
        Map<String, String> overrides = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> o = new Options(Path.of(args[i + 1]), "", o.events(), o.latencyRate(), o.latencyDuration(), o.batchSize(), overrides);
                case "--architecture" -> o = new Options(o.model(), args[i + 1], o.events(), o.latencyRate(), o.latencyDuration(), o.batchSize(), overrides);
                case "--events" -> o = new Options(o.model(), o.architecture(), Integer.parseInt(args[i + 1]), o.latencyRate(), o.latencyDuration(), o.batchSize(), overrides);
                case "--rate" -> o = new Options(o.model(), o.architecture(), o.events(), Integer.parseInt(args[i + 1]), o.latencyDuration(), o.batchSize(), overrides);
                case "--batch" -> o = new Options(o.model(), o.architecture(), o.events(), o.latencyRate(), o.latencyDuration(), Integer.parseInt(args[i + 1]), overrides);
                case "--set" -> {
                    String[] kv = args[i + 1].split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("--set needs key=value, got " + args[i + 1]);
                    }
                    overrides.put(kv[0], kv[1]);
                    o = new Options(o.model(), o.architecture(), o.events(), o.latencyRate(), o.latencyDuration(), o.batchSize(), overrides);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.println(run(args[0], o).line());
    }

    public static Figures run(String bootstrapServers, Options options) throws Exception {
        Path work = Files.createTempDirectory("teacher-bench");
        Path model = options.model();
        String architecture = options.architecture();
        if (model == null) {
            model = work.resolve("teacher.params");
            Architecture arch = Architectures.parse(architecture);
            try (Model m = Models.newModel(arch, "bench-teacher", 42)) {
                Files.write(model, Models.parameterBytes(m));
            }
        }
        String described = options.model() == null ? architecture
                : model.getFileName() + (architecture.isEmpty() ? "" : "(" + architecture + ")");
        progress("model %s", described);
        double rawBefore = rawThroughput(model, architecture, options.batchSize());
        progress("raw DJL inference, batch %d: %.0f events/s", options.batchSize(), rawBefore);
        double service = serviceThroughput(bootstrapServers, model, architecture, options);
        progress("service end to end, %d pre-loaded events (rate over the last 90%%): %.0f events/s", options.events(), service);
        // on a shared machine the load drifts: the ceiling is measured on both sides of the service run, averaged
        double rawAfter = rawThroughput(model, architecture, options.batchSize());
        double raw = (rawBefore + rawAfter) / 2;
        progress("raw DJL inference again: %.0f events/s; ceiling used: the mean, %.0f events/s", rawAfter, raw);
        double[] latency = latency(bootstrapServers, model, architecture, options);
        progress("latency at %d events/s: p50 %.1f ms, p99 %.1f ms", options.latencyRate(), latency[0], latency[1]);
        return new Figures(described, raw, service, latency[0], latency[1]);
    }

    private static double rawThroughput(Path model, String architecture, int batch) {
        try (TeacherModel m = TeacherModels.load(model, new TeacherModels.Spec(new int[] {28, 28}, 10, architecture))) {
            float[] inputs = new float[batch * m.sampleSize()];
            Random random = new Random(1);
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = random.nextFloat();
            }
            long warm = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < warm) {
                m.score(inputs, batch);
            }
            long start = System.nanoTime();
            long end = start + Duration.ofSeconds(3).toNanos();
            long events = 0;
            while (System.nanoTime() < end) {
                m.score(inputs, batch);
                events += batch;
            }
            return events / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double serviceThroughput(String bootstrap, Path model, String architecture, Options o)
            throws Exception {
        Topics t = Topics.create(bootstrap, "throughput");
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            for (int i = 0; i < o.events(); i++) {
                send(producer, t.events, event(i, System.currentTimeMillis()));
            }
            producer.flush();
        }
        // like the raw figure, which skips a warm-up second: start the clock once the first tenth is committed, so
        // that model load, initTransactions, the group join and JIT warm-up stay out of the steady-state rate
        int warmUp = o.events() / 10;
        try (LogitsReader reader = new LogitsReader(bootstrap, t.logits)) {
            long start = 0;
            int counted = 0;
            try (TeacherService service = TeacherService.start(config(bootstrap, t, model, architecture, o))) {
                long lastProgress = System.nanoTime();
                CpuTimes cpuAtStart = null;
                while (reader.count < o.events()) {
                    reader.poll(null);
                    if (start == 0 && reader.count >= warmUp) {
                        start = reader.lastNanos;
                        counted = o.events() - reader.count;
                        cpuAtStart = CpuTimes.now();
                    }
                    if (System.nanoTime() - lastProgress > 2e9) {
                        progress("  %d / %d logits committed", reader.count, o.events());
                        lastProgress = System.nanoTime();
                    }
                    if (!service.isRunning()) {
                        throw new IllegalStateException("teacher stopped: " + service.failure().orElse(null));
                    }
                }
                progress("  %s", pipelineCounters(service.registry(), (System.nanoTime() - start) / 1e9));
                if (cpuAtStart != null) {
                    progress("  %s", CpuTimes.now().since(cpuAtStart, counted));
                }
            }
            return counted / ((reader.lastNanos - start) / 1e9);
        }
    }

    /** Where the service's time went, from its own meters: transactions, batch sizes, time inside the model. */
    private static String pipelineCounters(MeterRegistry registry, double wallSeconds) {
        double txns = registry.find(MetricNames.TEACHER_TRANSACTIONS.meterName()).tag("outcome", "committed")
                .counters().stream().mapToDouble(Counter::count).sum();
        DistributionSummary batches = registry.find(MetricNames.TEACHER_BATCH_SIZE.meterName()).summary();
        double inferSeconds = registry.find(MetricNames.TEACHER_INFERENCE.meterName()).timers().stream()
                .mapToDouble(t -> t.totalTime(TimeUnit.SECONDS)).sum();
        long batchCount = batches == null ? 0 : batches.count();
        double meanBatch = batches == null ? 0 : batches.mean();
        return String.format(Locale.ROOT, "transactions=%.0f events/transaction=%.0f micro-batches=%d mean_batch=%.1f "
                        + "inference=%.2fs of %.2fs wall (%.0f%%)", txns, batches == null ? 0 : batches.totalAmount() / Math.max(1, txns),
                batchCount, meanBatch, inferSeconds, wallSeconds, 100 * inferSeconds / wallSeconds);
    }

    /**
     * CPU time of the teacher's two threads and of the whole process (broker and bench included): on a shared
     * machine the wall-clock rate moves with the neighbours' load, CPU per event much less.
     */
    private record CpuTimes(long loopNanos, long inferenceNanos, long processNanos) {
        static CpuTimes now() {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long loop = 0;
            long inference = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                long cpu = threads.getThreadCpuTime(t.getId());
                if (t.getName().startsWith("teacher-loop-")) {
                    loop += Math.max(0, cpu);
                } else if (t.getName().startsWith("teacher-inference-")) {
                    inference += Math.max(0, cpu);
                }
            }
            long process = ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                    ? os.getProcessCpuTime() : -1;
            return new CpuTimes(loop, inference, process);
        }

        String since(CpuTimes start, int events) {
            double perK = 1000.0 / Math.max(1, events) / 1e6;
            return String.format(Locale.ROOT, "cpu per 1000 events: loop thread %.1f ms, inference thread %.1f ms, "
                            + "whole process (broker, bench) %.1f ms", (loopNanos - start.loopNanos) * perK,
                    (inferenceNanos - start.inferenceNanos) * perK, (processNanos - start.processNanos) * perK);
        }
    }

    private static double[] latency(String bootstrap, Path model, String architecture, Options o) throws Exception {
        Topics t = Topics.create(bootstrap, "latency");
        int total = (int) (o.latencyRate() * o.latencyDuration().toSeconds());
        List<Long> latencies = new ArrayList<>(total);
        try (LogitsReader reader = new LogitsReader(bootstrap, t.logits);
             TeacherService service = TeacherService.start(config(bootstrap, t, model, architecture, o));
             KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            // the reader and the teacher must both be ready before the clock matters
            while (!service.isReady()) {
                Thread.sleep(50);
            }
            Map<String, Long> sentAt = new HashMap<>();
            long start = System.nanoTime();
            long periodNanos = 1_000_000_000L / o.latencyRate();
            for (int i = 0; i < total; i++) {
                long due = start + i * periodNanos;
                // wait in the reader's poll, not in a spin loop: a spinning bench thread takes a core from the service
                for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                    reader.poll(Duration.ofNanos(left), sentAt, latencies);
                }
                Event e = event(i, System.currentTimeMillis());
                sentAt.put(e.id(), System.nanoTime());
                send(producer, t.events, e);
                if (i % 8 == 7) {
                    producer.flush(); // keep the producer's own batching out of the figure
                }
            }
            producer.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reader.count < total && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(20), sentAt, latencies);
            }
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6};
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static TeacherConfig config(String bootstrap, Topics t, Path model, String architecture, Options o) {
        Map<String, Object> props = new HashMap<>();
        props.put(TeacherConfig.BOOTSTRAP_SERVERS, bootstrap);
        props.put(TeacherConfig.TOPIC_EVENTS, t.events);
        props.put(TeacherConfig.TOPIC_TEACHER_LOGITS, t.logits);
        props.put(TeacherConfig.TOPIC_DEAD_LETTER, t.deadLetter);
        props.put(TeacherConfig.GROUP_ID, "bench-" + t.events);
        props.put(TeacherConfig.TEACHER_ID, "bench");
        props.put(TeacherConfig.TEACHER_MODEL, model.toString());
        props.put(TeacherConfig.TEACHER_ARCHITECTURE, architecture);
        props.put(TeacherConfig.BATCH_MAX_SIZE, Integer.toString(o.batchSize()));
        props.put(TeacherConfig.MODEL_CHECK_INTERVAL_MS, "0");
        props.put(TeacherConfig.HTTP_PORT, "-1");
        props.putAll(o.overrides());
        return new TeacherConfig(props);
    }

    private record Topics(String events, String logits, String deadLetter) {
        static Topics create(String bootstrap, String purpose) {
            String suffix = purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
            Topics t = new Topics("bench.events." + suffix, "bench.logits." + suffix, "bench.dlq." + suffix);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(t.events, PARTITIONS, (short) 1),
                        new NewTopic(t.logits, PARTITIONS, (short) 1),
                        new NewTopic(t.deadLetter, PARTITIONS, (short) 1))).all().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("creating bench topics on " + bootstrap + ": " + e.getCause(), e);
            }
            return t;
        }
    }

    private static final class LogitsReader implements AutoCloseable {
        final KafkaConsumer<byte[], byte[]> consumer;
        int count;
        long lastNanos;

        LogitsReader(String bootstrap, String topic) {
            Map<String, Object> props = new HashMap<>();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            // a read_committed fetch may sit out fetch.max.wait.ms after a commit marker: keep it out of the figure
            props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            consumer = new KafkaConsumer<>(props);
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                parts.add(new TopicPartition(topic, p));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            parts.forEach(consumer::position);
        }

        void poll(Duration timeout) {
            poll(timeout == null ? Duration.ofMillis(100) : timeout, null, null);
        }

        void poll(Duration timeout, Map<String, Long> sentAt, List<Long> latencies) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
                long now = System.nanoTime();
                count++;
                lastNanos = now;
                if (sentAt != null) {
                    Long sent = sentAt.remove(new String(r.key(), StandardCharsets.UTF_8));
                    if (sent != null) {
                        latencies.add(now - sent);
                    }
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 << 10);
        return new KafkaProducer<>(props);
    }

    private static final EventCodec EVENTS = new EventCodec();

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, Event e) {
        RecordHeaders headers = new RecordHeaders();
        Encoding.BINARY.writeTo(headers);
        producer.send(new ProducerRecord<>(topic, null, e.id().getBytes(StandardCharsets.UTF_8),
                EVENTS.encode(e, Encoding.BINARY), headers));
    }

    private static Event event(int i, long timestamp) {
        Random random = new Random(i);
        float[] features = new float[784];
        for (int j = 0; j < features.length; j++) {
            features[j] = random.nextFloat();
        }
        return new Event("b-" + i, timestamp, new int[] {28, 28}, features);
    }

    private static void progress(String format, Object... args) {
        System.out.println("teacher-bench: " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
