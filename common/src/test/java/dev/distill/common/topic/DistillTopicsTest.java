package dev.distill.common.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.config.ConfigLoader;
import dev.distill.common.config.DistillConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class DistillTopicsTest {

    private static DistillTopics topics(Map<String, String> overrides) {
        return DistillTopics.from(ConfigLoader.loadCommon(null, Map.of(), overrides));
    }

    @Test
    void derivesSixTopicsWithConfiguredNames() {
        DistillTopics t = topics(Map.of("topic.labels", "prod.labels"));

        assertThat(t.all()).extracting(TopicSpec::name).containsExactly("distill.events", "distill.teacher-logits",
                "prod.labels", "distill.checkpoints", "distill.edge-status", "distill.dead-letter");
    }

    @Test
    void joinedTopicsShareThePartitionCount() {
        DistillTopics t = topics(Map.of("topic.partitions", "7", "topic.replication.factor", "3"));

        assertThat(t.coPartitioned()).extracting(TopicSpec::partitions).containsOnly(7);
        assertThat(t.all()).extracting(TopicSpec::replicationFactor).containsOnly((short) 3);
        assertThat(t.events().configs()).containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
    }

    @Test
    void checkpointsAndEdgeStatusAreCompactedAndCheckpointsTakeLargeChunks() {
        DistillTopics t = topics(Map.of());

        assertThat(t.checkpoints().configs()).containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "compact");
        assertThat(t.edgeStatus().configs()).containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "compact");
        assertThat(Integer.parseInt(t.checkpoints().configs().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)))
                .isGreaterThanOrEqualTo(8 << 20);
    }

    @Test
    void dataTopicsOutliveTheLabelHorizonWithMargin() {
        long horizon = Duration.ofHours(6).toMillis();
        DistillTopics t = topics(Map.of("label.horizon.ms", Long.toString(horizon)));

        for (TopicSpec s : t.coPartitioned()) {
            assertThat(Long.parseLong(s.configs().get(TopicConfig.RETENTION_MS_CONFIG)))
                    .as(s.name()).isGreaterThan(horizon);
            assertThat(s.configs()).containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "delete");
        }
    }

    @Test
    void deadLetterIsKeptLongAndFitsAnOversizedOriginalRecord() {
        DistillTopics t = topics(Map.of());

        assertThat(Long.parseLong(t.deadLetter().configs().get(TopicConfig.RETENTION_MS_CONFIG)))
                .isGreaterThanOrEqualTo(Duration.ofDays(7).toMillis());
        assertThat(Integer.parseInt(t.deadLetter().configs().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)))
                .isGreaterThan(Integer.parseInt(t.events().configs().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)));
    }

    @Test
    void topicSpecRejectsNonsenseAndCopiesConfigs() {
        Map<String, String> configs = new HashMap<>(Map.of("retention.ms", "1"));
        TopicSpec spec = new TopicSpec("t", 1, (short) 1, configs);
        configs.put("retention.ms", "2");

        assertThat(spec.configs()).containsEntry("retention.ms", "1");
        assertThatThrownBy(() -> new TopicSpec("t", 0, (short) 1, Map.of()))
                .hasMessageContaining("topic t: partitions must be >= 1, got 0");
        assertThatThrownBy(() -> new TopicSpec(" ", 1, (short) 1, Map.of())).hasMessageContaining("blank");
    }
}
