package dev.distill.common.topic;

import dev.distill.common.config.DistillConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The six topics of the system, derived from a {@link DistillConfig}.
 *
 * <p>Events, teacher logits and labels are keyed by event id and joined by Kafka Streams, which requires them to be
 * co-partitioned: they always get the same partition count. They are retained for the label horizon plus a margin,
 * so a label arriving at the end of the horizon still finds its event and logits.
 */
public record DistillTopics(TopicSpec events, TopicSpec teacherLogits, TopicSpec labels, TopicSpec checkpoints,
                            TopicSpec edgeStatus, TopicSpec deadLetter) {

    /** Checkpoint chunks must stay below this; the checkpoint publisher sizes its chunks from it. */
    public static final int CHECKPOINT_MAX_MESSAGE_BYTES = 8 << 20;
    /** Room for record and batch headers on top of {@code record.max.bytes}. */
    public static final int RECORD_OVERHEAD_BYTES = 64 << 10;
    public static final Duration DEAD_LETTER_RETENTION = Duration.ofDays(30);

    public static DistillTopics from(DistillConfig config) {
        int partitions = config.topicPartitions();
        short rf = config.topicReplicationFactor();
        long dataRetentionMs = config.labelHorizon().plus(config.topicRetentionMargin()).toMillis();
        int dataMaxBytes = config.recordMaxBytes() + RECORD_OVERHEAD_BYTES;

        Map<String, String> data = base(rf);
        data.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        data.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(dataRetentionMs));
        data.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(dataMaxBytes));

        Map<String, String> checkpoints = base(rf);
        checkpoints.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        checkpoints.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(CHECKPOINT_MAX_MESSAGE_BYTES));

        Map<String, String> edgeStatus = base(rf);
        edgeStatus.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

        Map<String, String> deadLetter = base(rf);
        deadLetter.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        deadLetter.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(DEAD_LETTER_RETENTION.toMillis()));
        // a dead letter carries the original bytes plus diagnostic headers
        deadLetter.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(dataMaxBytes + RECORD_OVERHEAD_BYTES));

        return new DistillTopics(
                new TopicSpec(config.getString(DistillConfig.TOPIC_EVENTS), partitions, rf, data),
                new TopicSpec(config.getString(DistillConfig.TOPIC_TEACHER_LOGITS), partitions, rf, data),
                new TopicSpec(config.getString(DistillConfig.TOPIC_LABELS), partitions, rf, data),
                // keyed by model name; one partition keeps every model's chunks in one totally ordered log
                new TopicSpec(config.getString(DistillConfig.TOPIC_CHECKPOINTS), 1, rf, checkpoints),
                new TopicSpec(config.getString(DistillConfig.TOPIC_EDGE_STATUS), partitions, rf, edgeStatus),
                new TopicSpec(config.getString(DistillConfig.TOPIC_DEAD_LETTER), partitions, rf, deadLetter));
    }

    private static Map<String, String> base(short replicationFactor) {
        Map<String, String> m = new HashMap<>();
        if (replicationFactor >= 3) {
            // with acks=all, tolerate one broker down without accepting single-copy writes
            m.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
        }
        return m;
    }

    public List<TopicSpec> all() {
        return List.of(events, teacherLogits, labels, checkpoints, edgeStatus, deadLetter);
    }

    /** Topics that the join reads together and that must therefore have equal partition counts. */
    public List<TopicSpec> coPartitioned() {
        return List.of(events, teacherLogits, labels);
    }
}
