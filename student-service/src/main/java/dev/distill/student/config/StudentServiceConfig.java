package dev.distill.student.config;

import dev.distill.common.checkpoint.CheckpointKeys;
import dev.distill.common.model.Architectures;
import dev.distill.student.topology.StudentJoinConfig;
import dev.distill.student.training.StudentConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.NonEmptyString;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the student-service: the join's keys ({@link StudentJoinConfig}) plus the trainer, checkpoint and
 * publishing keys declared once in {@link #definition()}. Load it with
 * {@code new ConfigLoader(StudentServiceConfig.definition(), env).load(file, overrides, StudentServiceConfig::new)}.
 */
public final class StudentServiceConfig extends StudentJoinConfig {

    public static final String MODEL_NAME = "student.model.name";
    public static final String ARCHITECTURE = "student.architecture";
    public static final String TEMPERATURE = "student.temperature";
    public static final String ALPHA = "student.alpha";
    public static final String LEARNING_RATE = "student.learning.rate";
    public static final String BATCH_SIZE = "student.batch.size";
    public static final String SEED = "student.seed";
    public static final String WARM_START = "student.warm.start";
    public static final String CHECKPOINT_DIR = "student.checkpoint.dir";
    public static final String CHECKPOINT_KEEP = "student.checkpoint.keep";
    public static final String CHECKPOINT_EVERY_EXAMPLES = "student.checkpoint.every.examples";
    public static final String CHECKPOINT_EVERY_MS = "student.checkpoint.every.ms";
    public static final String PREQUENTIAL_WINDOW = "student.prequential.window";
    public static final String GATE_EPSILON = "student.publish.gate.epsilon";
    public static final String GATE_METRIC = "student.publish.gate.metric";
    public static final String GATE_MIN_LABELS = "student.publish.gate.min.labels";
    public static final String SIGNING_KEY = "student.signing.key";
    public static final String ROLLOUT_PERCENT = "student.rollout.percent";
    public static final String TRANSACTIONAL_ID = "student.publish.transactional.id";
    public static final String UPDATE_API_TOKEN = "student.update.api.token";
    public static final String UPDATE_API_REFRESH_MS = "student.update.api.refresh.ms";
    public static final String EVENT_CACHE_RECORDS = "student.event.cache.records";
    public static final String BATCH_MAX_WAIT_MS = "student.batch.max.wait.ms";

    /** What the publishing gate compares. */
    public enum GateMetric {
        ACCURACY, AGREEMENT
    }

    private static final String GROUP = "student trainer";
    private static final ConfigDef DEFINITION = define();

    private final AbstractConfig own;

    public StudentServiceConfig(Map<?, ?> props) {
        super(props);
        // StudentJoinConfig has no constructor taking an extended ConfigDef, so the trainer keys are parsed by a
        // second AbstractConfig over the same values (the full definition, so all keys are validated once more).
        this.own = new AbstractConfig(DEFINITION, props, false);
        try {
            new StudentConfig(architecture(), temperature(), alpha(), learningRate(), batchSize(), seed());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("student trainer settings are inconsistent: " + e.getMessage());
        }
    }

    /** The join's keys plus the trainer keys; a fresh copy. */
    public static ConfigDef definition() {
        return new ConfigDef(DEFINITION);
    }

    private static ConfigDef define() {
        int order = 0;
        return new ConfigDef(StudentJoinConfig.DEFINITION)
                .define(MODEL_NAME, Type.STRING, "student", new ModelNameValidator(), Importance.HIGH,
                        "Name the student's checkpoints are published under (key of the checkpoints topic).",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Model name")
                .define(ARCHITECTURE, Type.STRING, "mlp:784-128-10", new ArchitectureValidator(), Importance.HIGH,
                        "Student architecture, e.g. mlp:784-128-10 or cnn:small; its input size and classes must "
                                + "match model.input.shape and model.num.classes.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Architecture")
                .define(TEMPERATURE, Type.DOUBLE, 4.0, Range.between(1e-3, 1e3), Importance.MEDIUM,
                        "Distillation temperature T: teacher and student logits are divided by it before softmax.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Temperature")
                .define(ALPHA, Type.DOUBLE, 0.5, Range.between(0.0, 1.0), Importance.MEDIUM,
                        "Weight of the hard (label) loss; the soft (distillation) loss weighs 1 - alpha.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Alpha")
                .define(LEARNING_RATE, Type.DOUBLE, 1e-3, Range.between(1e-7, 10.0), Importance.MEDIUM,
                        "Adam learning rate.", GROUP, ++order, ConfigDef.Width.SHORT, "Learning rate")
                .define(BATCH_SIZE, Type.INT, 64, Range.between(1, 65_536), Importance.MEDIUM,
                        "Examples per training step; a smaller batch is trained when the stream is idle or a "
                                + "checkpoint is due.", GROUP, ++order, ConfigDef.Width.SHORT, "Batch size")
                .define(BATCH_MAX_WAIT_MS, Type.LONG, 500L, Range.between(0L, 3_600_000L), Importance.LOW,
                        "How long a partial training batch waits for more examples before it is trained: a step "
                                + "takes a full batch, or whatever came within this bound (an idle stream is still "
                                + "trained). 0 trains whatever each poll returned.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Batch max wait")
                .define(SEED, Type.INT, 42, null, Importance.LOW,
                        "Seed of the initial parameters of a fresh student.", GROUP, ++order,
                        ConfigDef.Width.SHORT, "Seed")
                .define(WARM_START, Type.STRING, "", null, Importance.LOW,
                        "File of DJL parameter bytes (e.g. a published artifact) to start a fresh student from; "
                                + "empty for random parameters. Ignored when a local checkpoint exists.",
                        GROUP, ++order, ConfigDef.Width.LONG, "Warm start")
                .define(CHECKPOINT_DIR, Type.STRING, "var/student/checkpoints", new NonEmptyString(),
                        Importance.HIGH, "Directory of the trainer's local checkpoints and of its training ledger "
                                + "(ledger.csv: partition,fromOffset,toOffsetExclusive,checkpointStep).",
                        GROUP, ++order, ConfigDef.Width.LONG, "Checkpoint directory")
                .define(CHECKPOINT_KEEP, Type.INT, 3, Range.between(1, 1000), Importance.LOW,
                        "Local checkpoints kept (older ones are deleted).", GROUP, ++order,
                        ConfigDef.Width.SHORT, "Checkpoints kept")
                .define(CHECKPOINT_EVERY_EXAMPLES, Type.LONG, 200_000L, Range.atLeast(1L), Importance.MEDIUM,
                        "A checkpoint is written (and considered for publishing) after this many trained examples... "
                                + "(a backstop: time is the default cadence, as freshness is measured in seconds and "
                                + "a checkpoint per 10,000 examples wrote more to Kafka than the join on a fast stream)",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Checkpoint every examples")
                .define(CHECKPOINT_EVERY_MS, Type.LONG, 10_000L, Range.atLeast(1L), Importance.MEDIUM,
                        "...or this long after the previous one, if anything was trained since.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Checkpoint every ms")
                .define(PREQUENTIAL_WINDOW, Type.INT, 1_000, Range.between(1, 10_000_000), Importance.LOW,
                        "Labelled examples (and training steps, for the loss) in the rolling evaluation window.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Evaluation window")
                .define(GATE_METRIC, Type.STRING, "accuracy", ValidString.in("accuracy", "agreement"),
                        Importance.MEDIUM, "Rolling metric the publishing gate compares: accuracy (student on "
                                + "labels) or agreement (student-teacher top-1).",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Gate metric")
                .define(GATE_EPSILON, Type.DOUBLE, 0.02, Range.between(0.0, 1.0), Importance.MEDIUM,
                        "A checkpoint is published only if its gate metric is not worse than the last published "
                                + "version's by more than this, both scored on the same labelled examples of the "
                                + "window (until this run first publishes: than the figure the last version had when "
                                + "it was published).",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Gate epsilon")
                .define(GATE_MIN_LABELS, Type.INT, 50, Range.atLeast(1), Importance.LOW,
                        "Labelled examples the evaluation window must hold before anything is published.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Gate minimum labels")
                .define(SIGNING_KEY, Type.STRING, "var/student/keys/signing-key.pem", new NonEmptyString(),
                        Importance.HIGH, "Ed25519 private key (PEM, PKCS#8) that signs published manifests; its "
                                + "public key is the file of the same name plus '.pub'. Both are generated on first "
                                + "use if the private key file does not exist.",
                        GROUP, ++order, ConfigDef.Width.LONG, "Signing key")
                .define(ROLLOUT_PERCENT, Type.INT, 100, Range.between(0, 100), Importance.MEDIUM,
                        "Staged-rollout share of the edge fleet written into every published manifest.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Rollout percent")
                .define(TRANSACTIONAL_ID, Type.STRING, "", null, Importance.LOW,
                        "transactional.id of the checkpoint publisher; empty means 'distill-student-publisher-"
                                + "<student.model.name>'. Stable on purpose: a restarted trainer fences its "
                                + "predecessor and aborts its open transaction at once.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Publisher transactional id")
                .define(UPDATE_API_TOKEN, Type.PASSWORD, "", null, Importance.MEDIUM,
                        "Bearer token edge agents must send to the update API (/models/...); empty for none.",
                        GROUP, ++order, ConfigDef.Width.MEDIUM, "Update API token")
                .define(UPDATE_API_REFRESH_MS, Type.LONG, 1_000L, Range.atLeast(10L), Importance.LOW,
                        "How often the update API re-reads the checkpoints topic for new versions.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Update API refresh")
                .define(EVENT_CACHE_RECORDS, Type.INT, 8_192, new PowerOfTwo(64, 1 << 20), Importance.LOW,
                        "Events the trainer keeps per partition in each of its two events-topic readers (one for "
                                + "soft examples, one for labelled ones), a power of two. Examples name their event's "
                                + "position and the trainer reads its features from the events topic; a label delay "
                                + "(in events per partition) below this is served without reading the topic twice. "
                                + "About 3.3 KB per 784-feature event.",
                        GROUP, ++order, ConfigDef.Width.SHORT, "Event cache");
    }

    public String modelName() {
        return own.getString(MODEL_NAME);
    }

    public String architecture() {
        return own.getString(ARCHITECTURE);
    }

    public float temperature() {
        return own.getDouble(TEMPERATURE).floatValue();
    }

    public float alpha() {
        return own.getDouble(ALPHA).floatValue();
    }

    public float learningRate() {
        return own.getDouble(LEARNING_RATE).floatValue();
    }

    public int batchSize() {
        return own.getInt(BATCH_SIZE);
    }

    public int seed() {
        return own.getInt(SEED);
    }

    public StudentConfig studentConfig() {
        return new StudentConfig(architecture(), temperature(), alpha(), learningRate(), batchSize(), seed());
    }

    public Optional<Path> warmStart() {
        String s = own.getString(WARM_START);
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(Path.of(s));
    }

    public Path checkpointDir() {
        return Path.of(own.getString(CHECKPOINT_DIR));
    }

    public int checkpointKeep() {
        return own.getInt(CHECKPOINT_KEEP);
    }

    public Duration batchMaxWait() {
        return Duration.ofMillis(own.getLong(BATCH_MAX_WAIT_MS));
    }

    public int eventCacheRecords() {
        return own.getInt(EVENT_CACHE_RECORDS);
    }

    public long checkpointEveryExamples() {
        return own.getLong(CHECKPOINT_EVERY_EXAMPLES);
    }

    public Duration checkpointEvery() {
        return Duration.ofMillis(own.getLong(CHECKPOINT_EVERY_MS));
    }

    public int prequentialWindow() {
        return own.getInt(PREQUENTIAL_WINDOW);
    }

    public GateMetric gateMetric() {
        return GateMetric.valueOf(own.getString(GATE_METRIC).toUpperCase(java.util.Locale.ROOT));
    }

    public double gateEpsilon() {
        return own.getDouble(GATE_EPSILON);
    }

    public int gateMinLabels() {
        return own.getInt(GATE_MIN_LABELS);
    }

    public Path signingKey() {
        return Path.of(own.getString(SIGNING_KEY));
    }

    /** The public key beside {@link #signingKey()}: same name plus {@code .pub}. */
    public Path signingPublicKey() {
        Path key = signingKey();
        return key.resolveSibling(key.getFileName() + ".pub");
    }

    public int rolloutPercent() {
        return own.getInt(ROLLOUT_PERCENT);
    }

    public String publisherTransactionalId() {
        String id = own.getString(TRANSACTIONAL_ID);
        return id == null || id.isBlank() ? "distill-student-publisher-" + modelName() : id;
    }

    /** Null when no token is configured. */
    public String updateApiToken() {
        org.apache.kafka.common.config.types.Password p = own.getPassword(UPDATE_API_TOKEN);
        return p == null || p.value().isBlank() ? null : p.value();
    }

    public Duration updateApiRefresh() {
        return Duration.ofMillis(own.getLong(UPDATE_API_REFRESH_MS));
    }

    private static final class ArchitectureValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                Architectures.parse((String) value);
            } catch (RuntimeException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "an architecture spec such as mlp:784-128-10 or cnn:small";
        }
    }

    private static final class ModelNameValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                CheckpointKeys.checkModelName((String) value);
            } catch (RuntimeException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "a non-blank model name not ending like /v<n>/manifest or /v<n>/chunk-<i>";
        }
    }

    /** A power of two within bounds. */
    private record PowerOfTwo(int min, int max) implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            int v = (Integer) value;
            if (v < min || v > max || Integer.bitCount(v) != 1) {
                throw new ConfigException(name, value, "must be a power of two in [" + min + ", " + max + "]");
            }
        }

        @Override
        public String toString() {
            return "a power of two in [" + min + ", " + max + "]";
        }
    }
}
