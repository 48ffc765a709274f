package dev.distill.deploy.cli;

import dev.distill.deploy.bench.EdgeBench;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.student.bench.StudentBench;
import dev.distill.teacher.bench.TeacherBench;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Benchmarks that print figures and end with one machine-readable {@code <name>-bench key=value ...} line. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run a benchmark.",
                "Each prints figures and ends with one line '<target>-bench key=value ...'.",
                "broker: embedded broker start-to-ready and first produce/consume round trip.",
                "teacher: raw DJL batched inference (the ceiling) vs the service end to end through Kafka, and",
                "  event-to-logits latency at a moderate rate, on an embedded broker.",
                "edge: full vs delta vs int8 artifact sizes of consecutive versions, int8 accuracy drop, and",
                "  manifest-poll throughput of the update API (304s).",
                "student: raw DJL training-step ceiling vs the service's trained steps/s through Kafka, and",
                "  resident memory after 10 k and 200 k examples, on an embedded broker."})
public final class BenchCommand implements Callable<Integer> {

    /** What can be benchmarked. */
    public enum Target { BROKER, TEACHER, STUDENT, EDGE }

    @Parameters(paramLabel = "TARGET", description = "One of: ${COMPLETION-CANDIDATES}.")
    Target target;

    @Option(names = "--repeat", defaultValue = "3", description = "Broker starts to measure (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Override
    public Integer call() {
        switch (target) {
            case BROKER:
                return brokerBench();
            case TEACHER:
                return teacherBench();
            case STUDENT:
                return studentBench();
            default:
                return edgeBench();
        }
    }

    private static int teacherBench() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optNumPartitions(3).build().start()) {
            TeacherBench.Figures figures = TeacherBench.run(broker.bootstrapServers(), TeacherBench.Options.defaults());
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
