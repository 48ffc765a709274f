package dev.distill.common.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.config.ConfigLoader;
import dev.distill.testsupport.KafkaFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicProvisionerIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final KafkaFixture kafka = KafkaFixture.shared();

    private DistillTopics uniqueTopics(int partitions) {
        String p = kafka.uniqueTopic("prov");
        return DistillTopics.from(ConfigLoader.loadCommon(null, Map.of(), Map.of(
                "bootstrap.servers", kafka.bootstrapServers(),
                "topic.partitions", Integer.toString(partitions),
                "topic.events", p + ".events",
                "topic.teacher.logits", p + ".teacher-logits",
                "topic.labels", p + ".labels",
                "topic.checkpoints", p + ".checkpoints",
                "topic.edge.status", p + ".edge-status",
                "topic.dead.letter", p + ".dead-letter")));
    }

    @Test
    void createsAllTopicsOnceAndIsIdempotent() throws Exception {
        DistillTopics topics = uniqueTopics(2);
        try (Admin admin = Admin.create(kafka.adminProps())) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, TIMEOUT);

            TopicProvisioner.Report first = provisioner.provision(topics);
            TopicProvisioner.Report second = provisioner.provision(topics);

            List<String> names = topics.all().stream().map(TopicSpec::name).toList();
            assertThat(first.created()).containsExactlyInAnyOrderElementsOf(names);
            assertThat(second.created()).isEmpty();
            assertThat(second.existing()).containsExactlyInAnyOrderElementsOf(names);
            assertThat(second.warnings()).isEmpty();

            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            assertThat(described.get(topics.events().name()).partitions()).hasSize(2);
            assertThat(described.get(topics.checkpoints().name()).partitions()).hasSize(1);
            ConfigResource checkpoints = new ConfigResource(ConfigResource.Type.TOPIC, topics.checkpoints().name());
            Config config = admin.describeConfigs(List.of(checkpoints)).all().get(30, TimeUnit.SECONDS).get(checkpoints);
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        }
    }

    @Test
    void refusesToBreakCoPartitioningOfJoinedTopics() {
        DistillTopics topics = uniqueTopics(3);
        kafka.createTopic(topics.labels().name(), 5);
        try (Admin admin = Admin.create(kafka.adminProps())) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, TIMEOUT);

            assertThatThrownBy(() -> provisioner.provision(topics))
                    .isInstanceOf(TopicProvisioningException.class)
                    .hasMessageContaining("co-partitioning")
                    .hasMessageContaining(topics.labels().name() + "=5 (existing)")
                    .hasMessageContaining(topics.events().name() + "=3 (");
        }
    }

    @Test
    void warnsAboutOtherExistingTopicsWithDifferentPartitionCounts() {
        DistillTopics topics = uniqueTopics(3);
        kafka.createTopic(topics.deadLetter().name(), 1);
        try (Admin admin = Admin.create(kafka.adminProps())) {
            TopicProvisioner.Report report = new TopicProvisioner(admin, TIMEOUT).provision(topics);

            assertThat(report.existing()).containsExactly(topics.deadLetter().name());
            assertThat(report.warnings()).singleElement().asString()
                    .contains(topics.deadLetter().name()).contains("1 partitions").contains("configured 3");
        }
    }
}
