package dev.distill.student;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.checkpoint.CheckpointKeys;
import dev.distill.common.checkpoint.CheckpointTopicReader;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.pipeline.TrainingLedger;
import dev.distill.testsupport.KafkaFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class StudentRestartIT {

    private static final Logger LOG = LoggerFactory.getLogger(StudentRestartIT.class);
    private static final int FIRST = 3000;
    private static final int TOTAL = 5000;

    @TempDir
    Path dir;

    @Test
    void trainsEachExampleExactlyOnceAcrossAKill() throws Exception {
        // Given a stream of events, teacher logits and labels, and the student-service in a child JVM
        KafkaFixture kafka = KafkaFixture.shared();
        LabelledImages train = StudentTestData.train();
        float[] logits = StudentTestData.teacherLogits(train, 10_000, 10_000, 1, TOTAL);
        Map<String, String> settings = StudentTestData.settings(kafka, dir);
        settings.put(StudentServiceConfig.CHECKPOINT_EVERY_EXAMPLES, "300");
        settings.put(StudentServiceConfig.CHECKPOINT_EVERY_MS, "1000");
        settings.put(StudentServiceConfig.GATE_EPSILON, "1.0");
        settings.put(StudentServiceConfig.GATE_MIN_LABELS, "10");
        StudentServiceConfig config = StudentMain.config(Map.of(), StudentServiceIT.args(settings));
        StudentTestData.createInputTopics(kafka, config);
        long t0 = System.currentTimeMillis() - 60_000;
        StudentTestData.produce(kafka, config, train, logits, 0, FIRST, t0);
        Path ledger = config.checkpointDir().resolve(TrainingLedger.FILE_NAME);

        // When it is killed (SIGKILL) mid-stream, after it has checkpointed and published at least once
        Process first = startChild(settings, dir.resolve("child-1.log"));
        long publishedBeforeKill;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                    .until(() -> alive(first, "child-1") && ledgerSteps(ledger) >= 2
                            && latestVersion(kafka, config) >= 0);
        } finally {
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
        }
        publishedBeforeKill = latestVersion(kafka, config);
        List<TrainingLedger.Range> beforeKill = TrainingLedger.read(ledger);
        LOG.info("killed child 1 after {} ledger ranges; latest published version {}", beforeKill.size(),
                publishedBeforeKill);

        // and restarted while the rest of the stream arrives
        StudentTestData.produce(kafka, config, train, logits, FIRST, TOTAL, t0);
        Process second = startChild(settings, dir.resolve("child-2.log"));
        Map<Integer, Long> lastDataOffset;
        try {
            int expected = TOTAL + TOTAL / 2;
            lastDataOffset = Awaitility.await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> lastDataOffsets(kafka, config, expected), m -> m != null);
            Awaitility.await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                    .until(() -> alive(second, "child-2") && covered(ledger, lastDataOffset));
            second.destroy(); // SIGTERM: a clean stop writes a final checkpoint if anything is left
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            second.destroyForcibly();
        }

        // Then the ledger's ranges tile every partition from offset 0: no gap, no overlap, through the last example
        Map<Integer, List<TrainingLedger.Range>> byPartition = TrainingLedger.read(ledger).stream()
                .collect(Collectors.groupingBy(TrainingLedger.Range::partition, TreeMap::new, Collectors.toList()));
        assertThat(byPartition.keySet()).containsExactlyInAnyOrderElementsOf(lastDataOffset.keySet());
        byPartition.forEach((partition, ranges) -> {
            ranges.sort(Comparator.comparingLong(TrainingLedger.Range::fromOffset));
            long next = 0;
            for (TrainingLedger.Range r : ranges) {
                assertThat(r.fromOffset()).as("partition %d range %s", partition, r).isEqualTo(next);
                next = r.toOffsetExclusive();
            }
            assertThat(next).as("partition %d end", partition).isGreaterThan(lastDataOffset.get(partition));
        });
        // and the published versions strictly increase across the restart, with new ones after it
        List<Long> versions = publishedVersions(kafka, config);
        LOG.info("published versions in topic order: {}", versions);
        assertThat(versions).isSortedAccordingTo(Comparator.naturalOrder()).doesNotHaveDuplicates();
        assertThat(versions.get(versions.size() - 1)).isGreaterThan(publishedBeforeKill);
    }

    private Process startChild(Map<String, String> settings, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-XX:+UseParallelGC",
                "-cp", System.getProperty("java.class.path"), StudentMain.class.getName()));
        cmd.addAll(List.of(StudentServiceIT.args(settings)));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static boolean alive(Process p, String name) throws IOException {
        if (!p.isAlive()) {
            throw new AssertionError(name + " exited with " + p.exitValue());
        }
        return true;
    }

    private static long ledgerSteps(Path ledger) {
        if (!Files.exists(ledger)) {
            return 0;
        }
        return TrainingLedger.read(ledger).stream().mapToLong(TrainingLedger.Range::checkpointStep).distinct().count();
    }

    private static long latestVersion(KafkaFixture kafka, StudentServiceConfig config) {
        try (CheckpointTopicReader reader = new CheckpointTopicReader(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), config.getString(StudentServiceConfig.TOPIC_CHECKPOINTS))) {
            reader.catchUp(Duration.ofSeconds(10));
            return reader.latest(config.modelName()).map(c -> c.version()).orElse(-1L);
        }
    }

    /** Versions of the latest-manifest records in topic order. */
    private static List<Long> publishedVersions(KafkaFixture kafka, StudentServiceConfig config) {
        List<Long> out = new ArrayList<>();
        CheckpointManifestCodec codec = new CheckpointManifestCodec();
        for (ConsumerRecord<byte[], byte[]> r : readAll(kafka, config.getString(StudentServiceConfig.TOPIC_CHECKPOINTS))) {
            if (r.key() != null && r.value() != null && CheckpointKeys.parse(r.key()).isLatestManifest()) {
                CheckpointManifest m = codec.decode(r.value(), r.headers());
                out.add(m.version());
            }
        }
        return out;
    }

    /** Offset of the last committed example per partition, once the topic holds {@code expected} examples. */
    private static Map<Integer, Long> lastDataOffsets(KafkaFixture kafka, StudentServiceConfig config, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = readAll(kafka, config.examplesTopic());
        if (records.size() < expected) {
            return null;
        }
        assertThat(records).hasSize(expected);
        Map<Integer, Long> last = new HashMap<>();
        records.forEach(r -> last.merge(r.partition(), r.offset(), Math::max));
        return last;
    }

    private static boolean covered(Path ledger, Map<Integer, Long> lastDataOffset) {
        if (!Files.exists(ledger)) {
            return false;
        }
        Map<Integer, Long> end = new HashMap<>();
        TrainingLedger.read(ledger).forEach(r -> end.merge(r.partition(), r.toOffsetExclusive(), Math::max));
        return lastDataOffset.entrySet().stream().allMatch(e -> end.getOrDefault(e.getKey(), 0L) > e.getValue());
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaFixture kafka, String topic) {
        Map<String, Object> props = kafka.consumerProps("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
