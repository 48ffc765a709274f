package dev.distill.common.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Every meter of the system, declared once: name, type, base unit, description and tag keys. Dashboards and
 * {@code docs/metrics.md} are built from this list. Every registry also carries the common tag {@code service}.
 * Tag values must be bounded (never an event or device id).
 *
 * <p>Register meters through the helpers ({@link #counter}, {@link #timer}, ...) so that undeclared tag keys fail
 * fast instead of producing a series no dashboard knows.
 */
public enum MetricNames {

    // teacher-service
    TEACHER_INFERENCE("distill.teacher.inference", Meter.Type.TIMER, "seconds",
            "Time to run the teacher model on one micro-batch.", "model", "teacher"),
    TEACHER_BATCH_SIZE("distill.teacher.batch.size", Meter.Type.DISTRIBUTION_SUMMARY, null,
            "Events per inference micro-batch.", "teacher"),
    TEACHER_EVENTS("distill.teacher.events", Meter.Type.COUNTER, null,
            "Events consumed by the teacher, by outcome=scored|dead_lettered.", "teacher", "outcome"),
    TEACHER_LATENCY("distill.teacher.latency", Meter.Type.TIMER, "seconds",
            "From event timestamp to its logits being committed.", "teacher"),
    TEACHER_TRANSACTIONS("distill.teacher.transactions", Meter.Type.COUNTER, null,
            "Teacher transactions, by outcome=committed|aborted.", "teacher", "outcome"),
    TEACHER_MODEL_RELOADS("distill.teacher.model.reloads", Meter.Type.COUNTER, null,
            "Teacher model hot reloads, by outcome=swapped|failed.", "teacher", "outcome"),

    // student-service: join and labels
    LABELS("distill.labels", Meter.Type.COUNTER, null,
            "Labels received, by outcome=joined|expired|duplicate|unknown.", "outcome"),
    LABEL_DELAY("distill.label.delay", Meter.Type.TIMER, "seconds",
            "From event timestamp to its label's arrival, for joined labels (with histogram buckets, 10 ms to 1 day)."),
    JOIN_PENDING("distill.join.pending", Meter.Type.GAUGE, null,
            "Events awaiting their label within the label horizon."),
    JOIN_EXAMPLES("distill.join.examples", Meter.Type.COUNTER, null,
            "Training examples the join wrote to the examples topic, by kind=soft|labelled and "
                    + "teachers=all|partial|none (expected teachers present).", "kind", "teachers"),

    // student-service: training and evaluation
    STUDENT_EXAMPLES("distill.student.examples", Meter.Type.COUNTER, null,
            "Training examples consumed, by kind=soft|labelled.", "model", "kind"),
    STUDENT_TRAIN_STEP("distill.student.train.step", Meter.Type.TIMER, "seconds",
            "Time of one optimiser step (forward, backward, update).", "model"),
    STUDENT_LOSS("distill.student.loss", Meter.Type.DISTRIBUTION_SUMMARY, null,
            "Per-step loss, by component=soft (distillation) | hard (cross-entropy).", "model", "component"),
    STUDENT_ACCURACY("distill.student.accuracy", Meter.Type.GAUGE, null,
            "Rolling prequential top-1 accuracy of the student on labelled examples (0..1).", "model"),
    TEACHER_ACCURACY("distill.teacher.accuracy", Meter.Type.GAUGE, null,
            "Rolling top-1 accuracy of the teacher on the same labelled examples (0..1).", "model", "teacher"),
    STUDENT_AGREEMENT("distill.student.agreement", Meter.Type.GAUGE, null,
            "Rolling student-teacher top-1 agreement (0..1).", "model"),
    STUDENT_PUBLISHED_ACCURACY("distill.student.published.accuracy", Meter.Type.GAUGE, null,
            "Rolling top-1 accuracy of the last published version on the labelled examples of the window it scored "
                    + "before the student trained on them (0..1); the publish gate compares the student with it.",
            "model"),
    STUDENT_EXAMPLES_LAG("distill.student.examples.lag", Meter.Type.GAUGE, null,
            "Joined examples not yet trained on.", "model"),
    STUDENT_CHECKPOINT_SAVE("distill.student.checkpoint.save", Meter.Type.TIMER, "seconds",
            "Time to write one local trainer checkpoint (parameters, optimiser state, offsets) durably.", "model"),

    // student-service: checkpoints and the update API
    CHECKPOINTS("distill.checkpoints", Meter.Type.COUNTER, null,
            "Checkpoint attempts, by outcome=published|held_back (held back by the quality gate).", "model", "outcome"),
    CHECKPOINT_VERSION("distill.checkpoint.version", Meter.Type.GAUGE, null,
            "Version of the last published checkpoint.", "model"),
    CHECKPOINT_SIZE("distill.checkpoint.size", Meter.Type.DISTRIBUTION_SUMMARY, "bytes",
            "Size of published checkpoint artifacts.", "model"),
    UPDATE_REQUESTS("distill.update.requests", Meter.Type.COUNTER, null,
            "Update API requests, by response=not_modified|manifest|full|delta|error.", "model", "response"),
    EDGE_FLEET_DEVICES("distill.edge.fleet.devices", Meter.Type.GAUGE, null,
            "Edge devices reporting each model version (from edge-status).", "model", "version"),

    // edge-agent
    EDGE_UPDATES("distill.edge.updates", Meter.Type.COUNTER, null,
            "Update attempts on a device, by outcome=applied|not_modified|rejected|failed|rolled_back.", "model", "outcome"),
    EDGE_DOWNLOAD_SIZE("distill.edge.download.size", Meter.Type.DISTRIBUTION_SUMMARY, "bytes",
            "Bytes downloaded per update, by kind=full|delta|int8.", "model", "kind"),
    EDGE_INFERENCE("distill.edge.inference", Meter.Type.TIMER, "seconds",
            "Time of one local inference on the device.", "model"),
    EDGE_MODEL_VERSION("distill.edge.model.version", Meter.Type.GAUGE, null,
            "Model version the device is serving.", "model"),

    // every service
    DEAD_LETTERS("distill.dead.letters", Meter.Type.COUNTER, null,
            "Records sent to the dead-letter topic, by source.topic and reason (e.g. decode|shape|non_finite|label_range|too_large).",
            "source.topic", "reason");

    /** Added by {@link DistillMeterRegistries} to every meter. */
    public static final String COMMON_TAG_SERVICE = "service";

    private final String meterName;
    private final Meter.Type type;
    private final String baseUnit;
    private final String description;
    private final List<String> tagKeys;

    MetricNames(String meterName, Meter.Type type, String baseUnit, String description, String... tagKeys) {
        this.meterName = meterName;
        this.type = type;
        this.baseUnit = baseUnit;
        this.description = description;
        this.tagKeys = List.of(tagKeys);
    }

    /** The Micrometer name, e.g. {@code distill.teacher.inference}. */
    public String meterName() {
        return meterName;
    }

    public Meter.Type type() {
        return type;
    }

    /** Base unit or {@code null} when dimensionless. */
    public String baseUnit() {
        return baseUnit;
    }

    public String description() {
        return description;
    }

    /** Declared tag keys, besides the common {@code service} tag. */
    public List<String> tagKeys() {
        return tagKeys;
    }

    /**
     * The name Prometheus shows: {@code distill_teacher_inference_seconds} (timers add {@code _count}, {@code _sum},
     * {@code _max}), {@code distill_labels_total} for counters.
     */
    public String prometheusName() {
        String base = meterName.replace('.', '_');
        return switch (type) {
            case COUNTER -> base + "_total";
            case TIMER, LONG_TASK_TIMER -> base + "_seconds";
            default -> baseUnit == null ? base : base + "_" + baseUnit.toLowerCase(Locale.ROOT);
        };
    }

    public Counter counter(MeterRegistry registry, String... tags) {
        return Counter.builder(meterName).description(description).baseUnit(baseUnit).tags(checked(tags))
                .register(registry);
    }

    public Timer timer(MeterRegistry registry, String... tags) {
        return Timer.builder(meterName).description(description).tags(checked(tags)).register(registry);
    }

    /**
     * A timer that also publishes a histogram (Prometheus {@code _bucket} series) for quantiles across instances,
     * with buckets between the expected minimum and maximum.
     */
    public Timer histogramTimer(MeterRegistry registry, Duration minExpected, Duration maxExpected, String... tags) {
        return Timer.builder(meterName).description(description).tags(checked(tags)).publishPercentileHistogram()
                .minimumExpectedValue(minExpected).maximumExpectedValue(maxExpected).register(registry);
    }

    public DistributionSummary summary(MeterRegistry registry, String... tags) {
        return DistributionSummary.builder(meterName).description(description).baseUnit(baseUnit)
                .tags(checked(tags)).register(registry);
    }

    /** Registers a gauge; Micrometer holds {@code obj} weakly, so keep a reference to it. */
    public <T> Gauge gauge(MeterRegistry registry, T obj, ToDoubleFunction<T> value, String... tags) {
        return Gauge.builder(meterName, obj, value).description(description).baseUnit(baseUnit)
                .tags(checked(tags)).register(registry);
    }

    private Tags checked(String... keyValues) {
        Tags tags = Tags.of(keyValues);
        TreeSet<String> undeclared = new TreeSet<>();
        for (Tag t : tags) {
            if (!tagKeys.contains(t.getKey())) {
                undeclared.add(t.getKey());
            }
        }
        if (!undeclared.isEmpty()) {
            throw new IllegalArgumentException("meter " + meterName + " declares tags " + tagKeys
                    + " but was given " + undeclared + "; declare them in MetricNames first");
        }
        return tags;
    }

    /** The reference table in {@code docs/metrics.md}, one row per meter. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Micrometer name | Prometheus name | type | unit | tags | description |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (MetricNames m : values()) {
            sb.append("| `").append(m.meterName).append("` | `").append(m.prometheusName()).append("` | ")
                    .append(m.type == Meter.Type.DISTRIBUTION_SUMMARY ? "summary" : m.type.name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(m.baseUnit == null ? "" : m.baseUnit).append(" | ")
                    .append(m.tagKeys.isEmpty() ? "" : "`" + String.join("`, `", m.tagKeys) + "`").append(" | ")
                    .append(m.description.replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }
}
