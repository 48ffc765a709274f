package dev.distill.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.NonEmptyString;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Configuration shared by every distill service. Every key is declared once in {@link #commonDefinition()}
 * with its type, default, validator and documentation; service configs extend that definition:
 *
 * <pre>{@code
 * static final ConfigDef DEF = new ConfigDef(DistillConfig.commonDefinition())
 *         .define("teacher.batch.max.size", Type.INT, 64, Range.atLeast(1), Importance.MEDIUM, "...");
 * final class TeacherConfig extends DistillConfig {
 *     TeacherConfig(Map<?, ?> props) { super(DEF, props); }
 * }
 * }</pre>
 *
 * Keys prefixed {@value #KAFKA_PREFIX} are not declared here; they pass through, prefix removed,
 * to the Kafka clients (see {@link #kafkaClientProperties()}). Load values with {@link ConfigLoader}.
 */
public class DistillConfig extends AbstractConfig {

    public static final String KAFKA_PREFIX = "kafka.";

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC_EVENTS = "topic.events";
    public static final String TOPIC_TEACHER_LOGITS = "topic.teacher.logits";
    public static final String TOPIC_LABELS = "topic.labels";
    public static final String TOPIC_CHECKPOINTS = "topic.checkpoints";
    public static final String TOPIC_EDGE_STATUS = "topic.edge.status";
    public static final String TOPIC_DEAD_LETTER = "topic.dead.letter";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String TOPIC_RETENTION_MARGIN_MS = "topic.retention.margin.ms";
    public static final String MODEL_INPUT_SHAPE = "model.input.shape";
    public static final String MODEL_NUM_CLASSES = "model.num.classes";
    public static final String RECORD_MAX_BYTES = "record.max.bytes";
    public static final String DATASET_DIR = "dataset.dir";
    public static final String HTTP_PORT = "http.port";
    public static final String LABEL_HORIZON_MS = "label.horizon.ms";

    private static final String GROUP_KAFKA = "kafka";
    private static final String GROUP_TOPICS = "topics";
    private static final String GROUP_MODEL = "model";
    private static final String GROUP_SERVICE = "service";

    /** Common keys; returns a fresh definition each call so callers may extend it freely. */
    public static ConfigDef commonDefinition() {
        ConfigDef def = new ConfigDef();
        int kafka = 0;
        int topics = 0;
        int model = 0;
        int service = 0;
        def.define(BOOTSTRAP_SERVERS, Type.STRING, "localhost:9092", new NonEmptyString(), Importance.HIGH,
                "Kafka bootstrap servers, host:port[,host:port...].",
                GROUP_KAFKA, ++kafka, ConfigDef.Width.LONG, "Bootstrap servers");
        defineTopic(def, TOPIC_EVENTS, "distill.events", "Input events (feature tensors), keyed by event id.", ++topics);
        defineTopic(def, TOPIC_TEACHER_LOGITS, "distill.teacher-logits", "Teacher logits, keyed by event id.", ++topics);
        defineTopic(def, TOPIC_LABELS, "distill.labels", "Delayed ground-truth labels, keyed by event id.", ++topics);
        defineTopic(def, TOPIC_CHECKPOINTS, "distill.checkpoints", "Signed student checkpoints, keyed by model name (compacted).", ++topics);
        defineTopic(def, TOPIC_EDGE_STATUS, "distill.edge-status", "Edge device status reports, keyed by device id (compacted).", ++topics);
        defineTopic(def, TOPIC_DEAD_LETTER, "distill.dead-letter", "Records that could not be processed, with the reason in headers.", ++topics);
        def.define(TOPIC_PARTITIONS, Type.INT, 3, Range.between(1, 10_000), Importance.MEDIUM,
                "Partitions of the events, teacher-logits and labels topics (they must be equal: the join relies on "
                        + "co-partitioning), and of the edge-status and dead-letter topics.",
                GROUP_TOPICS, ++topics, ConfigDef.Width.SHORT, "Partitions");
        def.define(TOPIC_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.between(1, 32), Importance.MEDIUM,
                "Replication factor of topics the services create.",
                GROUP_TOPICS, ++topics, ConfigDef.Width.SHORT, "Replication factor");
        def.define(TOPIC_RETENTION_MARGIN_MS, Type.LONG, Duration.ofHours(24).toMillis(), Range.atLeast(0L), Importance.LOW,
                "Retention of events, teacher-logits and labels beyond label.horizon.ms, so that a student that was "
                        + "down for this long can still join what it missed.",
                GROUP_TOPICS, ++topics, ConfigDef.Width.SHORT, "Retention margin");
        def.define(MODEL_INPUT_SHAPE, Type.STRING, "28,28", new PositiveIntListValidator(), Importance.HIGH,
                "Shape of one event's feature tensor, without the batch dimension.",
                GROUP_MODEL, ++model, ConfigDef.Width.SHORT, "Input shape");
        def.define(MODEL_NUM_CLASSES, Type.INT, 10, Range.between(2, 1_000_000), Importance.HIGH,
                "Number of output classes (logits per event).",
                GROUP_MODEL, ++model, ConfigDef.Width.SHORT, "Classes");
        def.define(RECORD_MAX_BYTES, Type.INT, 1 << 20, Range.between(1024, 64 << 20), Importance.MEDIUM,
                "Largest serialized event, logits or label record accepted; larger records go to the dead-letter topic.",
                GROUP_MODEL, ++model, ConfigDef.Width.SHORT, "Max record bytes");
        def.define(DATASET_DIR, Type.STRING, "/usr/share/datasets/fashion-mnist", new NonEmptyString(), Importance.LOW,
                "Directory of the reference data set (Debian package dataset-fashion-mnist).",
                GROUP_SERVICE, ++service, ConfigDef.Width.LONG, "Data set directory");
        def.define(HTTP_PORT, Type.INT, 0, Range.between(-1, 65_535), Importance.MEDIUM,
                "Port of the /metrics, /health and /ready endpoints: 0 picks a free port, -1 turns the server off.",
                GROUP_SERVICE, ++service, ConfigDef.Width.SHORT, "HTTP port");
        def.define(LABEL_HORIZON_MS, Type.LONG, Duration.ofHours(24).toMillis(), Range.atLeast(1L), Importance.HIGH,
                "How long after an event its label is still accepted; later labels are counted as expired.",
                GROUP_SERVICE, ++service, ConfigDef.Width.SHORT, "Label horizon");
        return def;
    }

    private static void defineTopic(ConfigDef def, String key, String defaultName, String doc, int order) {
        def.define(key, Type.STRING, defaultName, new NonEmptyString(), Importance.MEDIUM,
                "Topic name: " + doc, GROUP_TOPICS, order, ConfigDef.Width.MEDIUM, key);
    }

    public DistillConfig(Map<?, ?> props) {
        this(commonDefinition(), props);
    }

    /** For service configs whose definition extends {@link #commonDefinition()}. */
    protected DistillConfig(ConfigDef definition, Map<?, ?> props) {
        super(definition, props, false);
    }

    /**
     * Properties for Kafka clients: {@code bootstrap.servers} plus every {@code kafka.*} key with its prefix removed
     * (e.g. {@code kafka.security.protocol} becomes {@code security.protocol}).
     */
    public Map<String, Object> kafkaClientProperties() {
        Map<String, Object> out = new HashMap<>(originalsWithPrefix(KAFKA_PREFIX, true));
        out.put(BOOTSTRAP_SERVERS, bootstrapServers());
        return out;
    }

    /**
     * {@link #kafkaClientProperties()} limited to the keys one kind of client knows ({@code ProducerConfig.configNames()},
     * ...): {@code kafka.*} keys go to every client, and each gets only its own so none logs "unknown config".
     */
    public Map<String, Object> kafkaClientProperties(Set<String> knownKeys) {
        Map<String, Object> out = kafkaClientProperties();
        out.keySet().retainAll(knownKeys);
        return out;
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public int topicPartitions() {
        return getInt(TOPIC_PARTITIONS);
    }

    public short topicReplicationFactor() {
        return getShort(TOPIC_REPLICATION_FACTOR);
    }

    public Duration topicRetentionMargin() {
        return Duration.ofMillis(getLong(TOPIC_RETENTION_MARGIN_MS));
    }

    public int[] modelInputShape() {
        return PositiveIntListValidator.parse(getString(MODEL_INPUT_SHAPE));
    }

    /** Number of features per event: the product of {@link #modelInputShape()}. */
    public int modelInputSize() {
        long size = 1;
        for (int d : modelInputShape()) {
            size = Math.multiplyExact(size, d);
        }
        return Math.toIntExact(size);
    }

    public int modelNumClasses() {
        return getInt(MODEL_NUM_CLASSES);
    }

    public int recordMaxBytes() {
        return getInt(RECORD_MAX_BYTES);
    }

    public Path datasetDir() {
        return Path.of(getString(DATASET_DIR));
    }

    /** 0 = ephemeral port, -1 = no HTTP server. */
    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    public Duration labelHorizon() {
        return Duration.ofMillis(getLong(LABEL_HORIZON_MS));
    }
}
