package dev.distill.deploy.reliability;

import dev.distill.common.checkpoint.CheckpointKeys;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.example.TrainingExampleCodec;
import dev.distill.student.pipeline.TrainingLedger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the fault-injection suite counts, read the way a user would check it: committed ({@code read_committed})
 * records of the logits, examples and checkpoints topics, read incrementally from the beginning by consumers that
 * live through broker restarts, and the trainer's own ledger file.
 */
final class FaultAudit implements AutoCloseable {

    /** One committed example: where it is and what it is. */
    record Example(int partition, long offset, String eventId, boolean labelled) {}

    /** The counts after one fault, as one row of the table. */
    record Counts(int events, int labels, int logitsLost, int logitsDuplicated, int joinedLost, int joinedDuplicated,
            int examples, int trainedLost, int trainedDuplicated, List<Long> versions, boolean versionsIncrease) {

        long newestVersion() {
            return versions.isEmpty() ? -1 : versions.stream().mapToLong(Long::longValue).max().getAsLong();
        }

        boolean complete() {
            return logitsLost == 0 && joinedLost == 0 && trainedLost == 0;
        }
    }

    private final String teacherId;
    private final Path ledgerFile;
    private final Tap logits;
    private final Tap examples;
    private final Tap checkpoints;
    private final TeacherLogitsCodec logitsCodec = new TeacherLogitsCodec();
    private final TrainingExampleCodec exampleCodec = new TrainingExampleCodec();
    private final CheckpointManifestCodec manifestCodec = new CheckpointManifestCodec();
    private final Map<String, Integer> logitsPerEvent = new HashMap<>();
    private final Map<String, Integer> softPerEvent = new HashMap<>();
    private final Map<String, Integer> labelledPerEvent = new HashMap<>();
    private final List<Example> committedExamples = new ArrayList<>();
    private final List<Long> versions = new ArrayList<>();
    private int otherTeacherLogits;

    FaultAudit(String bootstrapServers, String teacherId, String logitsTopic, String examplesTopic,
            String checkpointsTopic, Path ledgerFile) {
        this.teacherId = teacherId;
        this.ledgerFile = ledgerFile;
        this.logits = new Tap(bootstrapServers, logitsTopic);
        this.examples = new Tap(bootstrapServers, examplesTopic);
        this.checkpoints = new Tap(bootstrapServers, checkpointsTopic);
    }

    /** Reads whatever has been committed since the last call. */
    void poll() {
        logits.poll(r -> {
            TeacherLogits t = logitsCodec.decode(r.value(), r.headers());
            if (t.teacherId().equals(teacherId)) {
                logitsPerEvent.merge(key(r), 1, Integer::sum);
            } else {
                otherTeacherLogits++;
            }
        });
        examples.poll(r -> {
            TrainingExample e = exampleCodec.decode(r.key(), r.value());
            committedExamples.add(new Example(r.partition(), r.offset(), e.eventId(), e.hasLabel()));
            (e.hasLabel() ? labelledPerEvent : softPerEvent).merge(e.eventId(), 1, Integer::sum);
        });
        checkpoints.poll(r -> {
            if (r.key() != null && r.value() != null && CheckpointKeys.parse(r.key()).isLatestManifest()) {
                CheckpointManifest m = manifestCodec.decode(r.value(), r.headers());
                versions.add(m.version());
            }
        });
    }

    /** Counts for the events (and labels) the stream driver had acknowledged. */
    Counts count(Set<String> events, Set<String> labelled) {
        int logitsLost = 0;
        int logitsDuplicated = 0;
        int joinedLost = 0;
        int joinedDuplicated = 0;
        for (String id : events) {
            int n = logitsPerEvent.getOrDefault(id, 0);
            logitsLost += n == 0 ? 1 : 0;
            logitsDuplicated += Math.max(0, n - 1);
            int soft = softPerEvent.getOrDefault(id, 0);
            joinedLost += soft == 0 ? 1 : 0;
            joinedDuplicated += Math.max(0, soft - 1);
        }
        for (String id : labelled) {
            int n = labelledPerEvent.getOrDefault(id, 0);
            joinedLost += n == 0 ? 1 : 0;
            joinedDuplicated += Math.max(0, n - 1);
        }
        // logits or examples for ids the driver never got acknowledged would be invented records
        logitsDuplicated += (int) logitsPerEvent.keySet().stream().filter(id -> !events.contains(id)).count();
        logitsDuplicated += otherTeacherLogits;

        int[] trained = trainedLostAndDuplicated();
        boolean increase = true;
        for (int i = 1; i < versions.size(); i++) {
            increase &= versions.get(i) > versions.get(i - 1);
        }
        return new Counts(events.size(), labelled.size(), logitsLost, logitsDuplicated, joinedLost, joinedDuplicated,
                committedExamples.size(), trained[0], trained[1], List.copyOf(versions), increase);
    }

    /**
     * Each committed example offset against the ledger's ranges: in none = lost (never in the parameters), in more
     * than one = trained twice. Offsets of transaction markers and aborted records fall into ranges too; they are
     * no examples, so they are not counted.
     */
    private int[] trainedLostAndDuplicated() {
        List<TrainingLedger.Range> ranges = Files.exists(ledgerFile) ? TrainingLedger.read(ledgerFile) : List.of();
        Map<Integer, List<TrainingLedger.Range>> byPartition = new HashMap<>();
        for (TrainingLedger.Range r : ranges) {
            byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
        }
        byPartition.values().forEach(l -> l.sort(Comparator.comparingLong(TrainingLedger.Range::fromOffset)));
        int lost = 0;
        int duplicated = 0;
        for (Example e : committedExamples) {
            int covering = 0;
            for (TrainingLedger.Range r : byPartition.getOrDefault(e.partition(), List.of())) {
                if (r.fromOffset() > e.offset()) {
                    break;
                }
                if (e.offset() < r.toOffsetExclusive()) {
                    covering++;
                }
            }
            lost += covering == 0 ? 1 : 0;
            duplicated += Math.max(0, covering - 1);
        }
        return new int[] {lost, duplicated};
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        logits.close();
        examples.close();
        checkpoints.close();
    }

    /** A read_committed consumer of a whole topic, assigned (no group), polled on demand. */
    private static final class Tap implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String topic;
        private boolean assigned;

        Tap(String bootstrapServers, String topic) {
            this.topic = topic;
            this.consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.CLIENT_ID_CONFIG, "fault-audit-" + topic,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20,
                    ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        }

        /** Hands every new committed record to {@code sink}, until a poll returns nothing. */
        void poll(Consumer<ConsumerRecord<byte[], byte[]>> sink) {
            if (!assigned) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                if (infos == null || infos.isEmpty()) {
                    return; // not created yet
                }
                List<TopicPartition> tps = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                assigned = true;
            }
            for (int i = 0; i < 1000; i++) {
                var records = consumer.poll(Duration.ofMillis(i == 0 ? 300 : 50));
                if (records.isEmpty()) {
                    return;
                }
                records.forEach(sink);
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
