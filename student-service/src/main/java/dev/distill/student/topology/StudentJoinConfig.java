package dev.distill.student.topology;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.serde.RecordLimits;
import dev.distill.common.topic.DistillTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.NonEmptyString;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the student's join (events ⋈ teacher logits ⋈ delayed labels). Keys besides the common ones are
 * declared once in {@link #DEFINITION}. Kafka Streams settings pass through as {@code kafka.*} keys (e.g.
 * {@code kafka.state.dir}, {@code kafka.commit.interval.ms}); {@code processing.guarantee} is always
 * {@code exactly_once_v2}.
 */
public class StudentJoinConfig extends DistillConfig {

    public static final String APPLICATION_ID = "student.application.id";
    public static final String EXAMPLES_TOPIC = "student.examples.topic";
    public static final String JOIN_WINDOW_MS = "student.join.window.ms";
    public static final String TEACHERS = "student.teachers";
    public static final String ORPHAN_HOLD_MS = "student.join.orphan.hold.ms";
    public static final String PUNCTUATE_INTERVAL_MS = "student.join.punctuate.interval.ms";
    public static final String PUNCTUATE_MAX_DUE = "student.join.punctuate.max.due";

    private static final String GROUP = "student join";
    /** The join's commit interval unless {@code kafka.commit.interval.ms} says otherwise. */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 1_000L;

    public static final ConfigDef DEFINITION = definition();

    private static ConfigDef definition() {
        int order = 0;
        return new ConfigDef(DistillConfig.commonDefinition())
                .define(APPLICATION_ID, Type.STRING, "distill-student-join", new NonEmptyString(), Importance.HIGH,
                        "Kafka Streams application.id of the join: names its consumer group, state directory and "
                                + "internal topics. Change it only with a fresh start.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Application id")
                .define(EXAMPLES_TOPIC, Type.STRING, "distill.student.examples", new NonEmptyString(), Importance.HIGH,
                        "Topic the join writes joined training examples to (exactly once; key event id, value "
                                + "TrainingExampleCodec). The trainer reads it with read_committed.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Examples topic")
                .define(JOIN_WINDOW_MS, Type.LONG, 5_000L, Range.atLeast(0L), Importance.MEDIUM,
                        "How long after the event timestamp (in stream time) the join waits for all expected teachers; "
                                + "after it a SOFT example is emitted with the teachers present.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Teacher window")
                .define(TEACHERS, Type.LIST, List.of(), Importance.HIGH,
                        "Expected teachers as id or id:weight (weight > 0, default 1). Empty: any one teacher "
                                + "completes an event, with weight 1. Logits of teachers not listed are ignored.",
                        GROUP, ++order, ConfigDef.Width.LONG, "Teachers")
                .define(ORPHAN_HOLD_MS, Type.LONG, 60_000L, Range.atLeast(0L), Importance.LOW,
                        "How long (stream time) logits or a label whose event has not arrived yet are held; a label "
                                + "still without its event then counts as unknown.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Orphan hold")
                .define(PUNCTUATE_INTERVAL_MS, Type.LONG, 1_000L, Range.atLeast(1L), Importance.LOW,
                        "Stream-time interval of the punctuator that emits partial joins and expires state.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Punctuation interval")
                .define(PUNCTUATE_MAX_DUE, Type.INT, 10_000, Range.atLeast(1), Importance.LOW,
                        "Most deadlines one punctuation handles, so that a backlog does not stall processing "
                                + "(the rest are handled on the next punctuations).",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Deadlines per punctuation");
    }

    private final List<TeacherSpec> teachers;

    public StudentJoinConfig(Map<?, ?> props) {
        super(DEFINITION, props);
        try {
            this.teachers = TeacherSpec.parse(getList(TEACHERS));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TEACHERS, getList(TEACHERS), e.getMessage());
        }
    }

    public String applicationId() {
        return getString(APPLICATION_ID);
    }

    public String examplesTopic() {
        return getString(EXAMPLES_TOPIC);
    }

    public String eventsTopic() {
        return getString(TOPIC_EVENTS);
    }

    public String teacherLogitsTopic() {
        return getString(TOPIC_TEACHER_LOGITS);
    }

    public String labelsTopic() {
        return getString(TOPIC_LABELS);
    }

    public String deadLetterTopic() {
        return getString(TOPIC_DEAD_LETTER);
    }

    public Duration joinWindow() {
        return Duration.ofMillis(getLong(JOIN_WINDOW_MS));
    }

    /** Expected teachers; empty means any one teacher completes an event. */
    public List<TeacherSpec> teachers() {
        return teachers;
    }

    public Duration orphanHold() {
        return Duration.ofMillis(getLong(ORPHAN_HOLD_MS));
    }

    public Duration punctuateInterval() {
        return Duration.ofMillis(getLong(PUNCTUATE_INTERVAL_MS));
    }

    public int punctuateMaxDue() {
        return getInt(PUNCTUATE_MAX_DUE);
    }

    /** What decoded inputs must satisfy: the model's input shape and classes, the record size limit. */
    public RecordLimits recordLimits() {
        return RecordLimits.of(modelNumClasses(), modelInputShape()).withMaxRecordBytes(recordMaxBytes());
    }

    /**
     * Kafka Streams properties: the {@code kafka.*} pass-through, then application id, bootstrap servers, byte-array
     * default serdes and {@code processing.guarantee=exactly_once_v2} (not overridable: the examples topic relies on it).
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.putAll(kafkaClientProperties());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // exactly_once_v2 defaults to a 100 ms commit; at 1 s an event's state (event, logits, label a few thousand
        // events later) is mostly written to the changelog once, not three times, for ~1 s more example latency
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        // The join dead-letters records of up to record.max.bytes (+ headers); with the producer's 1 MiB default
        // such a dead letter failed the task and shut the Streams client down on every restart.
        String maxRequest = StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (!p.containsKey(ProducerConfig.MAX_REQUEST_SIZE_CONFIG) && !p.containsKey(maxRequest)) {
            p.put(maxRequest, recordMaxBytes() + 2 * DistillTopics.RECORD_OVERHEAD_BYTES);
        }
        // Per-store RocksDB defaults (own cache, 3 x 16 MB memtables, index/filter blocks outside any bound) made
        // the process's native memory grow with the number of stores; bound all of them together instead.
        if (!p.containsKey(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)) {
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        }
        return p;
    }
}
