package dev.distill.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String content) throws IOException {
        Path p = dir.resolve("distill.properties");
        Files.writeString(p, content);
        return p;
    }

    @Test
    void appliesDocumentedDefaultsWhenNothingIsSet() {
        DistillConfig config = ConfigLoader.loadCommon(null, Map.of(), Map.of());

        assertThat(config.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(config.getString(DistillConfig.TOPIC_EVENTS)).isEqualTo("distill.events");
        assertThat(config.getString(DistillConfig.TOPIC_TEACHER_LOGITS)).isEqualTo("distill.teacher-logits");
        assertThat(config.getString(DistillConfig.TOPIC_LABELS)).isEqualTo("distill.labels");
        assertThat(config.getString(DistillConfig.TOPIC_CHECKPOINTS)).isEqualTo("distill.checkpoints");
        assertThat(config.getString(DistillConfig.TOPIC_EDGE_STATUS)).isEqualTo("distill.edge-status");
        assertThat(config.getString(DistillConfig.TOPIC_DEAD_LETTER)).isEqualTo("distill.dead-letter");
        assertThat(config.topicPartitions()).isEqualTo(3);
        assertThat(config.topicReplicationFactor()).isEqualTo((short) 1);
        assertThat(config.modelInputShape()).containsExactly(28, 28);
        assertThat(config.modelInputSize()).isEqualTo(784);
        assertThat(config.modelNumClasses()).isEqualTo(10);
        assertThat(config.recordMaxBytes()).isEqualTo(1 << 20);
        assertThat(config.datasetDir()).isEqualTo(Path.of("/usr/share/datasets/fashion-mnist"));
        assertThat(config.httpPort()).isZero();
        assertThat(config.labelHorizon()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void environmentWinsOverFileAndOverridesWinOverBoth() throws IOException {
        Path f = file("topic.partitions=6\nmodel.num.classes=5\nhttp.port=8080\n");
        Map<String, String> env = Map.of("DISTILL_TOPIC_PARTITIONS", "12", "DISTILL_HTTP_PORT", "9090");

        DistillConfig config = ConfigLoader.loadCommon(f, env, Map.of("http.port", "-1"));

        assertThat(config.modelNumClasses()).as("file only").isEqualTo(5);
        assertThat(config.topicPartitions()).as("env over file").isEqualTo(12);
        assertThat(config.httpPort()).as("override over env").isEqualTo(-1);
    }

    @Test
    void mapsKeysToEnvironmentVariableNames() {
        assertThat(ConfigLoader.envVarName("topic.dead.letter")).isEqualTo("DISTILL_TOPIC_DEAD_LETTER");
        assertThat(ConfigLoader.envVarName("student.kd-temperature")).isEqualTo("DISTILL_STUDENT_KD_TEMPERATURE");
    }

    @Test
    void badValueFromEnvironmentNamesKeyValueVariableAndExpectedForm() {
        Map<String, String> env = Map.of("DISTILL_TOPIC_PARTITIONS", "three");

        assertThatThrownBy(() -> ConfigLoader.loadCommon(null, env, Map.of()))
                .isInstanceOf(DistillConfigException.class)
                .hasMessageContaining("topic.partitions")
                .hasMessageContaining("'three'")
                .hasMessageContaining("environment variable DISTILL_TOPIC_PARTITIONS")
                .hasMessageContaining("expected a value of type int");
    }

    @Test
    void badShapeInFileNamesFilePathAndExpectedForm() throws IOException {
        Path f = file("model.input.shape=28,0\n");

        assertThatThrownBy(() -> ConfigLoader.loadCommon(f, Map.of(), Map.of()))
                .isInstanceOf(DistillConfigException.class)
                .hasMessageContaining("model.input.shape")
                .hasMessageContaining("'28,0'")
                .hasMessageContaining("file " + f)
                .hasMessageContaining("comma-separated list of positive integers");
    }

    @Test
    void outOfRangeOverrideIsReportedAsOverride() {
        assertThatThrownBy(() -> ConfigLoader.loadCommon(null, Map.of(), Map.of("http.port", "70000")))
                .isInstanceOf(DistillConfigException.class)
                .hasMessageContaining("'70000'")
                .hasMessageContaining("override http.port")
                .hasMessageContaining("[-1,...,65535]")
                .satisfies(e -> assertThat(((DistillConfigException) e).key()).isEqualTo("http.port"));
    }

    @Test
    void unknownKeyInFileIsRejectedWithClosestKnownKey() throws IOException {
        Path f = file("topic.partition=4\n");

        assertThatThrownBy(() -> ConfigLoader.loadCommon(f, Map.of(), Map.of()))
                .isInstanceOf(DistillConfigException.class)
                .hasMessageContaining("Unknown config key 'topic.partition'")
                .hasMessageContaining("did you mean 'topic.partitions'?")
                .hasMessageContaining(f.toString());
    }

    @Test
    void kafkaClientKeyWithoutPrefixSuggestsThePrefix() throws IOException {
        Path f = file("security.protocol=SASL_SSL\n");

        assertThatThrownBy(() -> ConfigLoader.loadCommon(f, Map.of(), Map.of()))
                .hasMessageContaining("did you mean 'kafka.security.protocol'?");
    }

    @Test
    void kafkaPrefixedKeysPassThroughToClientPropertiesWithoutPrefix() throws IOException {
        Path f = file("bootstrap.servers=broker:9093\nkafka.security.protocol=SASL_SSL\nkafka.sasl.mechanism=PLAIN\n");
        Map<String, String> env = Map.of("DISTILL_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "DISTILL_HOME", "/var/distill");

        DistillConfig config = ConfigLoader.loadCommon(f, env, Map.of());

        assertThat(config.kafkaClientProperties()).containsOnly(
                Map.entry("bootstrap.servers", "broker:9093"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"));
    }

    @Test
    void serviceConfigsExtendTheCommonDefinition() {
        ConfigDef def = new ConfigDef(DistillConfig.commonDefinition())
                .define("teacher.batch.max.size", ConfigDef.Type.INT, 64, ConfigDef.Range.atLeast(1),
                        ConfigDef.Importance.MEDIUM, "Largest inference micro-batch.");
        Map<String, String> env = Map.of("DISTILL_TEACHER_BATCH_MAX_SIZE", "128");

        TestServiceConfig config = new ConfigLoader(def, env).load(null, Map.of(),
                props -> new TestServiceConfig(def, props));

        assertThat(config.getInt("teacher.batch.max.size")).isEqualTo(128);
        assertThat(config.topicPartitions()).isEqualTo(3);
    }

    @Test
    void missingConfigFileIsReportedWithItsPath() {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> ConfigLoader.loadCommon(missing, Map.of(), Map.of()))
                .isInstanceOf(DistillConfigException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void suggestsByEditDistance() {
        assertThat(ConfigLoader.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(ConfigLoader.editDistance("", "abc")).isEqualTo(3);
    }

    private static final class TestServiceConfig extends DistillConfig {
        TestServiceConfig(ConfigDef def, Map<?, ?> props) {
            super(def, props);
        }
    }

    @Test
    void rejectsAMisspelledKafkaClientSettingNamingTheRightOne() {
        ConfigLoader loader = new ConfigLoader(DistillConfig.commonDefinition(), Map.of());

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> loader.load(null,
                Map.of("kafka.securty.protocol", "SSL"), DistillConfig::new));

        assertThat(thrown).isInstanceOf(DistillConfigException.class)
                .hasMessageContaining("'kafka.securty.protocol'")
                .hasMessageContaining("did you mean 'kafka.security.protocol'?");
    }

    @Test
    void acceptsClientStreamsPrefixedAndTopicSettings() {
        ConfigLoader loader = new ConfigLoader(DistillConfig.commonDefinition(),
                Map.of("DISTILL_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/ts.jks"));

        DistillConfig config = loader.load(null, Map.of("kafka.security.protocol", "SSL",
                "kafka.producer.linger.ms", "5", "kafka.main.consumer.max.poll.records", "100",
                "kafka.topic.retention.ms", "1000"), DistillConfig::new);

        assertThat(config.kafkaClientProperties()).containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.truststore.location", "/etc/ts.jks");
    }
}
