package dev.distill.student.topology;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.kafka.DeadLetters;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.student.example.TeacherOutput;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.example.TrainingExampleCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins events, teacher logits and labels by event id (see {@link JoinTopology} for the rules). One instance per
 * task; all time decisions use stream time, so replays and tests behave like live processing.
 */
final class JoinProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger log = LoggerFactory.getLogger(JoinProcessor.class);

    private final StudentJoinConfig config;
    private final JoinMetrics metrics;
    private final EventCodec events;
    private final TeacherLogitsCodec logits;
    /** How far around stream time {@link #rebuildDeadlines} looks, beyond the window and the orphan hold. */
    static final long REBUILD_SPAN_MS = 600_000;
    private final LabelCodec labels;
    private final TrainingExampleCodec examples = new TrainingExampleCodec();
    /** Where events are decoded to be validated; their features are not kept. */
    private final float[] scratch;
    private final List<TeacherSpec> expected;
    private final long windowMs;
    private final long horizonMs;
    private final long orphanHoldMs;

    private ProcessorContext<byte[], byte[]> context;
    private JoinStates states;
    /**
     * Open teacher windows and orphan holds, by time. Kept in memory, not in a changelogged store: they follow from
     * the states (see {@link #rebuildDeadlines}), and a stored deadline per waiting event cost two changelog writes.
     */
    private final TreeSet<Deadline> deadlines = new TreeSet<>();
    private boolean deadlinesRebuilt;
    // Refreshed on the stream thread at each punctuation, read by the metrics gauge on any thread.
    private volatile long pendingEstimate;
    private final LongSupplier pendingSource = () -> pendingEstimate;

    JoinProcessor(StudentJoinConfig config, JoinMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.events = new EventCodec(config.recordLimits());
        this.logits = new TeacherLogitsCodec(config.recordLimits());
        this.labels = new LabelCodec(config.recordLimits());
        this.expected = config.teachers();
        this.windowMs = config.joinWindow().toMillis();
        this.horizonMs = config.labelHorizon().toMillis();
        this.orphanHoldMs = config.orphanHold().toMillis();
        this.scratch = new float[Math.toIntExact(config.modelInputSize())];
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.states = new JoinStates(context.getStateStore(JoinTopology.STATE_STORE), horizonMs,
                JoinStates.retention(horizonMs, windowMs, orphanHoldMs));
        context.schedule(config.punctuateInterval(), PunctuationType.STREAM_TIME, this::punctuate);
        pendingEstimate = states.pending(context.currentStreamTimeMs());
        metrics.addPendingSource(pendingSource);
    }

    @Override
    public void close() {
        metrics.removePendingSource(pendingSource);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        rebuildDeadlines(now(record));
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("");
        try {
            if (topic.equals(config.eventsTopic())) {
                onEvent(record);
            } else if (topic.equals(config.teacherLogitsTopic())) {
                onLogits(record);
            } else if (topic.equals(config.labelsTopic())) {
                onLabel(record);
            } else {
                throw new IllegalStateException("join received a record from unexpected topic '" + topic + "'");
            }
        } catch (MalformedRecordException | IllegalArgumentException e) {
            deadLetter(topic, record, e);
        }
    }

    private long now(Record<?, ?> record) {
        return Math.max(0, Math.max(context.currentStreamTimeMs(), record.timestamp()));
    }

    private void onEvent(Record<byte[], byte[]> record) {
        String key = key(record, "event");
        // Validates the whole event (shape, finiteness, id) as the trainer will read it; keeps only its position.
        EventCodec.Head event = events.decodeInto(record.value(), record.headers(), scratch, 0, scratch.length);
        if (!event.id().equals(key)) {
            throw new MalformedRecordException(Reason.BAD_VALUE, "event " + event.id() + ": record key '" + key
                    + "' differs from the event id; producers must key events by their id");
        }
        RecordMetadata at = context.recordMetadata().orElseThrow();
        long now = now(record);
        JoinState stored = states.get(key, now);
        JoinState state = stored;
        if (state == null) {
            state = JoinState.empty(now);
        } else if (state.hasEvent()) {
            log.debug("event {} seen again; keeping the first", key);
            return;
        }
        // An event that arrives after its own horizon is kept too, so that its label counts as expired; it is
        // never emitted (maybeEmitSoft and applyLabel check the horizon).
        state = state.withEvent(new JoinState.EventAt(event.timestamp(), at.partition(), at.offset()));
        state = maybeEmitSoft(key, state, now, record.timestamp());
        store(key, stored, maybeApplyHeldLabel(key, state, now, record.timestamp()));
    }

    private void onLogits(Record<byte[], byte[]> record) {
        String key = key(record, "teacher logits");
        TeacherLogits teacher = logits.decode(record.value(), record.headers());
        if (!expected.isEmpty() && expected.stream().noneMatch(s -> s.teacherId().equals(teacher.teacherId()))) {
            log.debug("logits of {} for {} ignored: not in {}", teacher.teacherId(), key, StudentJoinConfig.TEACHERS);
            return;
        }
        long now = now(record);
        JoinState stored = states.get(key, now);
        JoinState state = stored;
        if (state == null) {
            state = JoinState.empty(now);
            schedule(Deadline.plus(now, orphanHoldMs), Deadline.Kind.ORPHAN, key);
        } else if (state.labelled() && state.softEmitted()) {
            return; // both examples are out; these logits could change nothing
        }
        if (state.hasTeacher(teacher.teacherId())) {
            log.debug("logits of {} for {} seen again; keeping the first", teacher.teacherId(), key);
            return;
        }
        state = maybeEmitSoft(key, state.withLogits(teacher), now, record.timestamp());
        store(key, stored, maybeApplyHeldLabel(key, state, now, record.timestamp()));
    }

    private void onLabel(Record<byte[], byte[]> record) {
        String key = key(record, "label");
        Label label = labels.decode(record.value(), record.headers());
        long now = now(record);
        JoinState state = states.get(key, now);
        if (state == null) {
            // The label overtook its event (other partition lag, a teacher-first replay), or its event is older than
            // two horizons: hold it for the orphan hold; it joins if the event comes, and counts as unknown otherwise.
            schedule(Deadline.plus(now, orphanHoldMs), Deadline.Kind.ORPHAN, key);
            store(key, null, JoinState.empty(now).withPendingLabel(label));
            return;
        }
        if (!state.hasEvent()) {
            if (state.pendingLabel() != null) {
                metrics.labelsDuplicate.increment();
                return;
            }
            store(key, state, state.withPendingLabel(label));
            return;
        }
        if (state.pendingLabel() != null || state.labelled()) {
            metrics.labelsDuplicate.increment();
            return;
        }
        store(key, state, maybeApplyHeldLabel(key, state.withPendingLabel(label), now, record.timestamp()));
    }

    /**
     * Stores an event's state, and schedules its teacher window's close only when that could still change something
     * (a soft example waiting for more teachers, a label held for its teachers): in the usual case the soft and the
     * labelled example go out as their records arrive, and a deadline per event would be two more changelog writes.
     */
    private void store(String key, JoinState before, JoinState state) {
        states.put(key, before, state);
        if (waitsForWindow(state)) {
            schedule(Deadline.plus(state.event().timestamp(), windowMs), Deadline.Kind.WINDOW, key);
        }
    }

    private static boolean waitsForWindow(JoinState state) {
        return state.hasEvent() && (state.pendingLabel() != null || (!state.softEmitted() && !state.logits().isEmpty()));
    }

    /**
     * Once per task instance, before its first record or punctuation: the deadlines of the states stored in the
     * last {@link #REBUILD_SPAN_MS} plus the window and orphan hold before stream time (a waiting state is younger
     * than its window or hold; the span covers stream time that moved back across a restart).
     */
    private void rebuildDeadlines(long now) {
        if (deadlinesRebuilt || now < 0) {
            return;
        }
        deadlinesRebuilt = true;
        long span = Deadline.plus(Deadline.plus(windowMs, orphanHoldMs), REBUILD_SPAN_MS);
        states.forEachStoredBetween(Math.max(0, now - span), Deadline.plus(now, REBUILD_SPAN_MS), (id, state) -> {
            if (waitsForWindow(state)) {
                schedule(Deadline.plus(state.event().timestamp(), windowMs), Deadline.Kind.WINDOW, id);
            } else if (!state.hasEvent()) {
                schedule(Deadline.plus(state.createdAt(), orphanHoldMs), Deadline.Kind.ORPHAN, id);
            }
        });
        if (!deadlines.isEmpty()) {
            log.info("join task {}: {} open teacher windows and orphan holds restored from the state store",
                    context.taskId(), deadlines.size());
        }
    }

    /**
     * Emits the held label once the example can carry its teachers: when every expected teacher has answered, or
     * when the teacher window has closed (then with those present). A label that overtakes slow teacher logits
     * therefore still yields a labelled example with the teacher's view, which prequential evaluation needs for the
     * teacher's accuracy and the student-teacher agreement on the same labels.
     */
    private JoinState maybeApplyHeldLabel(String id, JoinState state, long now, long timestamp) {
        if (!state.hasEvent() || state.pendingLabel() == null) {
            return state;
        }
        boolean windowClosed = Deadline.plus(state.event().timestamp(), windowMs) <= now;
        if (!windowClosed && completeness(present(state)) != JoinMetrics.Teachers.ALL) {
            return state;
        }
        return applyLabel(id, state, state.pendingLabel(), now, timestamp);
    }

    private JoinState applyLabel(String id, JoinState state, Label label, long now, long timestamp) {
        JoinState.EventAt event = state.event();
        if (state.labelled()) {
            metrics.labelsDuplicate.increment();
            return state.withPendingLabel(null);
        }
        long delay = label.timestamp() - event.timestamp();
        if (delay > horizonMs || pastHorizon(event, now)) {
            metrics.labelsExpired.increment();
            return state.withPendingLabel(null);
        }
        List<TeacherOutput> present = present(state);
        emit(TrainingExample.labelled(id, event.timestamp(), event.partition(), event.offset(), present, label),
                timestamp);
        metrics.example("labelled", completeness(present));
        metrics.labelsJoined.increment();
        metrics.labelDelay(delay);
        // once both examples are out, only the flags matter (duplicates, expiry): the logits need not be rewritten
        return state.softEmitted() ? state.withLabelled().withoutLogits() : state.withLabelled();
    }

    /** Emits the SOFT example when all expected teachers are present, or some are and the window has closed. */
    private JoinState maybeEmitSoft(String id, JoinState state, long now, long timestamp) {
        if (!state.hasEvent() || state.softEmitted() || pastHorizon(state.event(), now)) {
            return state;
        }
        List<TeacherOutput> present = present(state);
        if (present.isEmpty()) {
            return state;
        }
        JoinMetrics.Teachers completeness = completeness(present);
        boolean windowClosed = Deadline.plus(state.event().timestamp(), windowMs) <= now;
        if (completeness != JoinMetrics.Teachers.ALL && !windowClosed) {
            return state;
        }
        JoinState.EventAt event = state.event();
        emit(TrainingExample.soft(id, event.timestamp(), event.partition(), event.offset(), present), timestamp);
        metrics.example("soft", completeness);
        return state.withSoftEmitted();
    }

    /** Stream time has passed the event's label horizon: nothing joins it any more. */
    private boolean pastHorizon(JoinState.EventAt event, long now) {
        return Deadline.plus(event.timestamp(), horizonMs) <= now;
    }

    private List<TeacherOutput> present(JoinState state) {
        List<TeacherOutput> out = new ArrayList<>();
        if (expected.isEmpty()) {
            for (TeacherLogits l : state.logits()) {
                out.add(new TeacherOutput(l.teacherId(), l.modelVersion(), 1f, l.toDense()));
            }
            return out;
        }
        for (TeacherSpec spec : expected) {
            for (TeacherLogits l : state.logits()) {
                if (l.teacherId().equals(spec.teacherId())) {
                    out.add(new TeacherOutput(l.teacherId(), l.modelVersion(), spec.weight(), l.toDense()));
                }
            }
        }
        return out;
    }

    private JoinMetrics.Teachers completeness(List<TeacherOutput> present) {
        if (present.isEmpty()) {
            return JoinMetrics.Teachers.NONE;
        }
        return expected.isEmpty() || present.size() == expected.size()
                ? JoinMetrics.Teachers.ALL : JoinMetrics.Teachers.PARTIAL;
    }

    private void emit(TrainingExample example, long timestamp) {
        byte[] key = example.eventId().getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<>(key, examples.encode(example), timestamp, new RecordHeaders()),
                JoinTopology.EXAMPLES_SINK);
    }

    private void punctuate(long streamTime) {
        rebuildDeadlines(streamTime);
        for (int n = 0; n < config.punctuateMaxDue() && !deadlines.isEmpty()
                && deadlines.first().time() <= streamTime; n++) {
            fire(deadlines.pollFirst(), streamTime);
        }
        pendingEstimate = states.pending(streamTime);
    }

    private void fire(Deadline d, long streamTime) {
        String id = d.eventId();
        JoinState state = states.get(id, streamTime);
        if (state == null) {
            return;
        }
        switch (d.kind()) {
            case WINDOW -> {
                JoinState after = maybeApplyHeldLabel(id, maybeEmitSoft(id, state, streamTime, streamTime), streamTime,
                        streamTime);
                if (after != state) {
                    states.put(id, state, after);
                }
            }
            case ORPHAN -> {
                if (!state.hasEvent()) {
                    states.delete(id, state);
                    if (state.pendingLabel() != null) {
                        metrics.labelsUnknown.increment();
                    }
                }
            }
            default -> throw new IllegalStateException("unhandled deadline " + d);
        }
    }

    private void schedule(long time, Deadline.Kind kind, String id) {
        deadlines.add(new Deadline(time, kind, id));
    }

    private static String key(Record<byte[], byte[]> record, String what) {
        byte[] key = record.key();
        if (key == null || key.length == 0) {
            throw new MalformedRecordException(Reason.MISSING_FIELD, what + " record has no key; the key must be the "
                    + "event id (UTF-8)");
        }
        String id = new String(key, StandardCharsets.UTF_8);
        if (id.isBlank() || id.length() > Event.MAX_ID_LENGTH) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + " record key must be a non-blank event id of "
                    + "at most " + Event.MAX_ID_LENGTH + " characters");
        }
        return id;
    }

    private void deadLetter(String topic, Record<byte[], byte[]> record, RuntimeException error) {
        Optional<RecordMetadata> meta = context.recordMetadata();
        ConsumerRecord<byte[], byte[]> source = new ConsumerRecord<>(topic,
                meta.map(RecordMetadata::partition).orElse(-1), meta.map(RecordMetadata::offset).orElse(-1L),
                record.timestamp(), TimestampType.CREATE_TIME, -1, -1, record.key(), record.value(), record.headers(),
                Optional.empty());
        ProducerRecord<byte[], byte[]> letter = DeadLetters.record(config.deadLetterTopic(), source, error);
        String reason = DeadLetters.reason(error);
        metrics.deadLetter(topic, reason);
        log.warn("dead-lettering {} record at partition {} offset {} ({}): {}", topic, source.partition(),
                source.offset(), reason, error.getMessage());
        context.forward(new Record<>(letter.key(), letter.value(), record.timestamp(), letter.headers()),
                JoinTopology.DEAD_LETTER_SINK);
    }
}
