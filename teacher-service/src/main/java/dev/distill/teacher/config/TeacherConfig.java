package dev.distill.teacher.config;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.model.Architectures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.NonEmptyString;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Configuration of the teacher-service: the common keys plus the {@code teacher.*} keys declared here. */
public final class TeacherConfig extends DistillConfig {

    public static final String TEACHER_ID = "teacher.id";
    public static final String TEACHER_MODEL = "teacher.model";
    public static final String TEACHER_ARCHITECTURE = "teacher.architecture";
    public static final String BATCH_MAX_SIZE = "teacher.batch.max.size";
    public static final String BATCH_MAX_WAIT_MS = "teacher.batch.max.wait.ms";
    public static final String COMMIT_INTERVAL_MS = "teacher.commit.interval.ms";
    public static final String GROUP_ID = "teacher.group.id";
    public static final String TRANSACTIONAL_ID = "teacher.transactional.id";
    public static final String MODEL_CHECK_INTERVAL_MS = "teacher.model.check.interval.ms";
    public static final String OUTPUT_TOPK = "teacher.output.topk";

    private static final String GROUP = "teacher";
    private static final ConfigDef DEFINITION = define();

    private final String instanceSuffix = UUID.randomUUID().toString().substring(0, 8);

    public TeacherConfig(Map<?, ?> props) {
        super(DEFINITION, props);
    }

    /** The common keys plus the teacher keys; a fresh copy so callers (e.g. docs) may not alter ours. */
    public static ConfigDef definition() {
        return new ConfigDef(DEFINITION);
    }

    private static ConfigDef define() {
        ConfigDef def = new ConfigDef(DistillConfig.commonDefinition());
        int order = 0;
        def.define(TEACHER_ID, Type.STRING, "teacher", new NonEmptyString(), Importance.HIGH,
                "Name of this teacher, written into every logits record; replicas of one teacher share it.",
                GROUP, ++order, ConfigDef.Width.SHORT, "Teacher id");
        def.define(TEACHER_MODEL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new NonEmptyString(), Importance.HIGH,
                "The teacher model: a TorchScript file (*.pt, *.pth, *.ts, *.torchscript) taking [batch, ...model.input.shape] "
                        + "and returning [batch, model.num.classes] logits, or a DJL parameter file (or a directory "
                        + "holding exactly one *.params file) of the architecture named by teacher.architecture.",
                GROUP, ++order, ConfigDef.Width.LONG, "Model");
        def.define(TEACHER_ARCHITECTURE, Type.STRING, "", new ArchitectureValidator(), Importance.MEDIUM,
                "Architecture spec of a DJL-parameter teacher, e.g. mlp:784-512-512-10 or cnn:small; "
                        + "empty for a TorchScript teacher.",
                GROUP, ++order, ConfigDef.Width.SHORT, "Architecture");
        def.define(BATCH_MAX_SIZE, Type.INT, 64, Range.between(1, 65_536), Importance.MEDIUM,
                "Largest inference micro-batch; a batch is closed when it reaches this size.",
                GROUP, ++order, ConfigDef.Width.SHORT, "Max batch size");
        def.define(BATCH_MAX_WAIT_MS, Type.LONG, 5L, Range.between(0L, 60_000L), Importance.MEDIUM,
                "Longest time a micro-batch stays open after its first event arrived, so that an idle stream "
                        + "still sees low latency.",
                GROUP, ++order, ConfigDef.Width.SHORT, "Max batch wait");
        def.define(COMMIT_INTERVAL_MS, Type.LONG, 100L, Range.between(0L, 60_000L), Importance.MEDIUM,
                "How long one Kafka transaction stays open: micro-batches scored within it are published (to "
                        + "read_committed readers) together when it commits, as Kafka Streams' commit.interval.ms "
                        + "under exactly-once. Longer amortises the transaction's round trips over more events "
                        + "(throughput) and delays visibility by up to this much (latency); 0 commits after every "
                        + "micro-batch flush. Keep it well below kafka.transaction.timeout.ms.",
                GROUP, ++order, ConfigDef.Width.SHORT, "Commit interval");
        def.define(GROUP_ID, Type.STRING, "", null, Importance.MEDIUM,
                "Consumer group of the replicas of this teacher; empty means 'distill-teacher-<teacher.id>'. "
                        + "Different teachers need different groups, as each must score every event.",
                GROUP, ++order, ConfigDef.Width.MEDIUM, "Group id");
        def.define(TRANSACTIONAL_ID, Type.STRING, "", null, Importance.MEDIUM,
                "Producer transactional.id; empty means '<teacher.id>-<random instance suffix>'. Zombie replicas "
                        + "are fenced through the consumer group generation either way (KIP-447), so a random id is "
                        + "safe and needs no coordination. Its cost: after a crash the dead replica's open transaction "
                        + "is only aborted when transaction.timeout.ms (kafka.transaction.timeout.ms, default here "
                        + "10 s) expires, and until then its partitions stall for read_committed readers and for the "
                        + "replica taking them over. A stable id per replica (e.g. a StatefulSet pod name) lets a "
                        + "restarted replica abort it at once, but two live replicas must never share one.",
                GROUP, ++order, ConfigDef.Width.MEDIUM, "Transactional id");
        def.define(MODEL_CHECK_INTERVAL_MS, Type.LONG, 2_000L, Range.atLeast(0L), Importance.LOW,
                "How often the model file is checked for changes (hot reload); 0 turns reloading off.",
                GROUP, ++order, ConfigDef.Width.SHORT, "Model check interval");
        def.define(OUTPUT_TOPK, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                "0 publishes all logits (dense); k > 0 publishes only the k largest with their class indices.",
                GROUP, ++order, ConfigDef.Width.SHORT, "Output top-k");
        return def;
    }

    public String teacherId() {
        return getString(TEACHER_ID);
    }

    public Path modelPath() {
        return Path.of(getString(TEACHER_MODEL));
    }

    /** The architecture spec, or empty for TorchScript. */
    public String architecture() {
        return getString(TEACHER_ARCHITECTURE).strip();
    }

    public int batchMaxSize() {
        return getInt(BATCH_MAX_SIZE);
    }

    public Duration batchMaxWait() {
        return Duration.ofMillis(getLong(BATCH_MAX_WAIT_MS));
    }

    /** Zero means a transaction per micro-batch flush. */
    public Duration commitInterval() {
        return Duration.ofMillis(getLong(COMMIT_INTERVAL_MS));
    }

    public String groupId() {
        String g = getString(GROUP_ID).strip();
        return g.isEmpty() ? "distill-teacher-" + teacherId() : g;
    }

    /** The configured id, or one derived from the teacher id and a suffix fixed for this config instance. */
    public String transactionalId() {
        String t = getString(TRANSACTIONAL_ID).strip();
        return t.isEmpty() ? teacherId() + "-" + instanceSuffix : t;
    }

    /** Zero when hot reload is off. */
    public Duration modelCheckInterval() {
        return Duration.ofMillis(getLong(MODEL_CHECK_INTERVAL_MS));
    }

    public int outputTopK() {
        return getInt(OUTPUT_TOPK);
    }

    public String eventsTopic() {
        return getString(TOPIC_EVENTS);
    }

    public String logitsTopic() {
        return getString(TOPIC_TEACHER_LOGITS);
    }

    public String deadLetterTopic() {
        return getString(TOPIC_DEAD_LETTER);
    }

    private static final class ArchitectureValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String s = value == null ? "" : value.toString().strip();
            if (s.isEmpty()) {
                return;
            }
            try {
                Architectures.parse(s);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "empty, or an architecture spec (" + Architectures.KNOWN_FORMS + ")";
        }
    }
}
