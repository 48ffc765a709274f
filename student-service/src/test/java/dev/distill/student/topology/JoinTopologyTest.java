package dev.distill.student.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.kafka.DeadLetters;
import dev.distill.common.metrics.MetricNames;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.example.TrainingExampleCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinTopologyTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final long HORIZON = 60_000;
    private static final long WINDOW = 1_000;
    private static final long ORPHAN_HOLD = 5_000;
    private static final float[] FEATURES = {0.1f, 0.2f, 0.3f, 0.4f};

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EventCodec eventCodec = new EventCodec();
    private final TeacherLogitsCodec logitsCodec = new TeacherLogitsCodec();
    private final LabelCodec labelCodec = new LabelCodec();
    private final TrainingExampleCodec exampleCodec = new TrainingExampleCodec();

    private TopologyTestDriver driver;
    private long streamTime;
    private TestInputTopic<String, byte[]> events;
    private TestInputTopic<String, byte[]> logits;
    private TestInputTopic<String, byte[]> labels;
    private TestOutputTopic<String, byte[]> examples;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    private void start(String teachers) {
        Map<String, Object> props = new HashMap<>();
        props.put(DistillConfig.MODEL_INPUT_SHAPE, "2,2");
        props.put(DistillConfig.MODEL_NUM_CLASSES, 3);
        props.put(DistillConfig.LABEL_HORIZON_MS, HORIZON);
        props.put(StudentJoinConfig.JOIN_WINDOW_MS, WINDOW);
        props.put(StudentJoinConfig.ORPHAN_HOLD_MS, ORPHAN_HOLD);
        props.put(StudentJoinConfig.PUNCTUATE_INTERVAL_MS, 100);
        props.put(StudentJoinConfig.TEACHERS, teachers);
        props.put("kafka." + StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        StudentJoinConfig config = new StudentJoinConfig(props);
        Properties streams = config.streamsProperties();
        assertThat(streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);

        driver = new TopologyTestDriver(JoinTopology.build(config, registry), streams);
        StringSerializer keys = new StringSerializer();
        ByteArraySerializer values = new ByteArraySerializer();
        events = driver.createInputTopic(config.eventsTopic(), keys, values);
        logits = driver.createInputTopic(config.teacherLogitsTopic(), keys, values);
        labels = driver.createInputTopic(config.labelsTopic(), keys, values);
        examples = driver.createOutputTopic(config.examplesTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private void event(String id, long ts) {
        streamTime = Math.max(streamTime, ts);
        events.pipeInput(id, eventCodec.encode(new Event(id, ts, new int[] {2, 2}, FEATURES), Encoding.JSON), ts);
    }

    private void logits(String id, String teacher, long ts, float... values) {
        logits.pipeInput(id, logitsCodec.encode(TeacherLogits.dense(teacher, "v1", ts, values), Encoding.JSON), ts);
    }

    private void label(String id, int label, long ts) {
        labels.pipeInput(id, labelCodec.encode(new Label(label, ts), Encoding.JSON), ts);
    }

    /** Moves stream time forward with an unrelated event, as live traffic does. */
    private void advanceStreamTimeTo(long ts) {
        event("tick-" + ts, ts);
    }

    private List<TrainingExample> readExamples() {
        return examples.readKeyValuesToList().stream()
                .map(kv -> {
                    TrainingExample e = exampleCodec.decode(kv.key.getBytes(java.nio.charset.StandardCharsets.UTF_8), kv.value);
                    assertThat(kv.key).isEqualTo(e.eventId());
                    return e;
                })
                .filter(e -> !e.eventId().startsWith("tick-"))
                .toList();
    }

    private double labels(String outcome) {
        Counter c = registry.find(MetricNames.LABELS.meterName()).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private double examplesCounted(String kind, String teachers) {
        Counter c = registry.find(MetricNames.JOIN_EXAMPLES.meterName()).tag("kind", kind).tag("teachers", teachers)
                .counter();
        return c == null ? 0 : c.count();
    }

    private double deadLettersCounted(String reason) {
        return registry.find(MetricNames.DEAD_LETTERS.meterName()).tag("reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    /**
     * Entries of {@code id} that the join can still see: in its state store (a window store) within the retention
     * before the latest stream time; at most one per id.
     */
    private int retained(String id) {
        WindowStore<String, byte[]> states = driver.getWindowStore(JoinTopology.STATE_STORE);
        long from = Math.max(0, streamTime - JoinStates.retention(HORIZON, WINDOW, ORPHAN_HOLD));
        int n = 0;
        try (WindowStoreIterator<byte[]> it = states.fetch(id, from, streamTime)) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private static <K, V> int size(KeyValueStore<K, V> store) {
        int n = 0;
        try (KeyValueIterator<K, V> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    // ---- soft examples -------------------------------------------------------------------------------------------

    @Test
    void emitsOneSoftExampleWhenEventAndLogitsArrive() {
        // Given
        start("");

        // When
        event("e-1", T0);
        logits("e-1", "teacher-a", T0 + 50, 1f, 2f, 3f);

        // Then
        List<TrainingExample> out = readExamples();
        assertThat(out).hasSize(1);
        TrainingExample soft = out.get(0);
        assertThat(soft.kind()).isEqualTo(TrainingExample.Kind.SOFT);
        assertThat(soft.eventId()).isEqualTo("e-1");
        assertThat(soft.eventTimestamp()).isEqualTo(T0);
        assertThat(soft.eventPartition()).isZero(); // where the event is, not its features
        assertThat(soft.eventOffset()).isZero();
        assertThat(soft.teachers()).hasSize(1);
        assertThat(soft.teacher("teacher-a").logits()).containsExactly(1f, 2f, 3f);
        assertThat(soft.teacher("teacher-a").modelVersion()).isEqualTo("v1");
        assertThat(soft.teacher("teacher-a").weight()).isEqualTo(1f);
        assertThat(examplesCounted("soft", "all")).isEqualTo(1);
    }

    @Test
    void joinsLogitsThatArriveBeforeTheirEvent() {
        // Given
        start("");
        logits("e-1", "teacher-a", T0, 1f, 2f, 3f);

        // When
        event("e-1", T0);

        // Then
        assertThat(readExamples()).singleElement()
                .satisfies(e -> assertThat(e.teacher("teacher-a").logits()).containsExactly(1f, 2f, 3f));
    }

    @Test
    void emitsOnlyOneSoftExampleWhenTheSameLogitsArriveTwice() {
        // Given
        start("");
        event("e-1", T0);
        logits("e-1", "teacher-a", T0 + 1, 1f, 2f, 3f);

        // When
        logits("e-1", "teacher-a", T0 + 2, 1f, 2f, 3f);
        logits("e-1", "teacher-b", T0 + 3, 3f, 2f, 1f);

        // Then
        assertThat(readExamples()).hasSize(1);
    }

    // ---- labels --------------------------------------------------------------------------------------------------

    @Test
    void emitsOneLabelledExampleForALabelWithinTheHorizon() {
        // Given
        start("");
        event("e-1", T0);
        logits("e-1", "teacher-a", T0 + 50, 1f, 2f, 3f);

        // When
        label("e-1", 2, T0 + 4_000);

        // Then
        List<TrainingExample> out = readExamples();
        assertThat(out).extracting(TrainingExample::kind)
                .containsExactly(TrainingExample.Kind.SOFT, TrainingExample.Kind.LABELLED);
        TrainingExample labelled = out.get(1);
        assertThat(labelled.label()).isEqualTo(2);
        assertThat(labelled.labelTimestamp()).isEqualTo(T0 + 4_000);
        assertThat(labelled.eventOffset()).isZero();
        assertThat(labelled.teacher("teacher-a").logits()).containsExactly(1f, 2f, 3f);
        assertThat(labels("joined")).isEqualTo(1);
        Timer delay = registry.find(MetricNames.LABEL_DELAY.meterName()).timer();
        assertThat(delay.count()).isEqualTo(1);
        assertThat(delay.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(4_000);
        assertThat(examplesCounted("labelled", "all")).isEqualTo(1);
    }

    @Test
    void emitsALabelledExampleWithoutTeachersWhenNoneAnsweredWithinTheWindow() {
        // Given
        start("");
        event("e-1", T0);
        label("e-1", 0, T0 + 10);
        assertThat(readExamples()).as("the label waits for the teacher while the window is open").isEmpty();

        // When the teacher window closes with no logits
        advanceStreamTimeTo(T0 + WINDOW + 200);

        // Then
        assertThat(readExamples()).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(TrainingExample.Kind.LABELLED);
            assertThat(e.teachers()).isEmpty();
        });
        assertThat(examplesCounted("labelled", "none")).isEqualTo(1);
    }

    @Test
    void aLabelThatOvertakesItsTeacherLogitsWaitsForThemWithinTheWindow() {
        // Given an event whose label arrives before the (slow) teacher has answered
        start("");
        event("e-1", T0);
        label("e-1", 2, T0 + 100);

        // When the teacher's logits arrive inside the window
        logits("e-1", "teacher-a", T0 + 300, 1f, 2f, 3f);

        // Then the labelled example carries the teacher's logits, so teacher accuracy and agreement can be measured
        List<TrainingExample> out = readExamples();
        assertThat(out).extracting(TrainingExample::kind)
                .containsExactlyInAnyOrder(TrainingExample.Kind.SOFT, TrainingExample.Kind.LABELLED);
        assertThat(out).filteredOn(e -> e.kind() == TrainingExample.Kind.LABELLED).singleElement()
                .satisfies(e -> assertThat(e.teacher("teacher-a").logits()).containsExactly(1f, 2f, 3f));
        assertThat(labels("joined")).isEqualTo(1);
    }

    @Test
    void countsADuplicateLabelWithoutASecondExample() {
        // Given
        start("");
        event("e-1", T0);
        logits("e-1", "teacher-a", T0, 1f, 2f, 3f);
        label("e-1", 1, T0 + 100);

        // When
        label("e-1", 1, T0 + 200);

        // Then
        assertThat(readExamples()).extracting(TrainingExample::kind)
                .containsExactly(TrainingExample.Kind.SOFT, TrainingExample.Kind.LABELLED);
        assertThat(labels("joined")).isEqualTo(1);
        assertThat(labels("duplicate")).isEqualTo(1);
    }

    @Test
    void countsALabelStampedAfterTheHorizonAsExpired() {
        // Given an event still retained (stream time has not passed its horizon)
        start("");
        event("e-1", T0);

        // When its label is stamped after the horizon
        label("e-1", 1, T0 + HORIZON + 1);

        // Then
        assertThat(readExamples()).isEmpty();
        assertThat(labels("expired")).isEqualTo(1);
        assertThat(labels("joined")).isZero();
    }

    @Test
    void countsALabelForAnEventPastItsHorizonInStreamTimeAsExpired() {
        // Given an event whose horizon stream time has passed
        start("");
        event("e-1", T0);
        advanceStreamTimeTo(T0 + HORIZON + 500);

        // When its label arrives, stamped within the horizon, and its logits after it
        label("e-1", 1, T0 + 10);
        logits("e-1", "teacher-a", T0 + HORIZON + 600, 1f, 2f, 3f);

        // Then nothing joins it any more
        assertThat(readExamples()).isEmpty();
        assertThat(labels("expired")).isEqualTo(1);
        assertThat(labels("unknown")).isZero();
    }

    @Test
    void countsALabelForAnEventThatArrivedAfterItsOwnHorizonAsExpired() {
        // Given stream time well past an event's horizon when the event arrives
        start("");
        advanceStreamTimeTo(T0 + HORIZON + 500);
        event("e-1", T0);
        logits("e-1", "teacher-a", T0 + HORIZON + 600, 1f, 2f, 3f);

        // When
        label("e-1", 1, T0 + HORIZON + 700);

        // Then
        assertThat(readExamples()).isEmpty();
        assertThat(labels("expired")).isEqualTo(1);
    }

    @Test
    void countsALabelForAnIdNeverSeenAsUnknownAfterTheOrphanHold() {
        // Given
        start("");
        label("nobody", 1, T0);

        // When no event comes within the hold
        advanceStreamTimeTo(T0 + ORPHAN_HOLD + 500);

        // Then
        assertThat(readExamples()).isEmpty();
        assertThat(labels("unknown")).isEqualTo(1);
        assertThat(labels("expired")).isZero();
        assertThat(retained("nobody")).isZero();
    }

    @Test
    void joinsALabelThatOvertakesItsEvent() {
        // Given the label arrives first (race between partitions)
        start("");
        label("e-1", 2, T0 + 10);

        // When the event and logits arrive within the hold
        event("e-1", T0);
        logits("e-1", "teacher-a", T0 + 20, 1f, 2f, 3f);

        // Then both examples are written when the teacher answers (the held label waits for it inside the window),
        // and the labelled one carries the teacher's logits
        List<TrainingExample> out = readExamples();
        assertThat(out).extracting(TrainingExample::kind)
                .containsExactly(TrainingExample.Kind.SOFT, TrainingExample.Kind.LABELLED);
        assertThat(out.get(1).teacher("teacher-a").logits()).containsExactly(1f, 2f, 3f);
        assertThat(labels("joined")).isEqualTo(1);
        assertThat(labels("unknown")).isZero();
    }

    // ---- several teachers ----------------------------------------------------------------------------------------

    @Test
    void waitsForAllExpectedTeachersThenEmitsOneSoftExample() {
        // Given
        start("big:0.7,bigger:0.3");
        event("e-1", T0);
        logits("e-1", "big", T0 + 10, 1f, 0f, 0f);
        assertThat(readExamples()).as("one teacher of two").isEmpty();

        // When
        logits("e-1", "bigger", T0 + 20, 0f, 1f, 0f);

        // Then
        TrainingExample soft = readExamples().get(0);
        assertThat(soft.teachers()).extracting(t -> t.teacherId()).containsExactly("big", "bigger");
        assertThat(soft.teacher("big").weight()).isEqualTo(0.7f);
        assertThat(soft.teacher("bigger").weight()).isEqualTo(0.3f);
        assertThat(examplesCounted("soft", "all")).isEqualTo(1);
    }

    @Test
    void emitsAPartialSoftExampleWhenTheWindowCloses() {
        // Given only one of two teachers answered
        start("big:0.7,bigger:0.3");
        event("e-1", T0);
        logits("e-1", "big", T0 + 10, 1f, 0f, 0f);

        // When stream time passes the window
        advanceStreamTimeTo(T0 + WINDOW + 200);
        logits("e-1", "bigger", T0 + WINDOW + 300, 0f, 1f, 0f);

        // Then exactly one soft example, with the teacher present at the window's end
        List<TrainingExample> out = readExamples();
        assertThat(out).singleElement()
                .satisfies(e -> assertThat(e.teachers()).extracting(t -> t.teacherId()).containsExactly("big"));
        assertThat(examplesCounted("soft", "partial")).isEqualTo(1);
    }

    @Test
    void ignoresLogitsOfTeachersNotConfigured() {
        // Given
        start("big");
        event("e-1", T0);

        // When
        logits("e-1", "stranger", T0 + 10, 1f, 0f, 0f);
        logits("e-1", "big", T0 + 20, 0f, 0f, 1f);

        // Then
        assertThat(readExamples()).singleElement()
                .satisfies(e -> assertThat(e.teachers()).extracting(t -> t.teacherId()).containsExactly("big"));
    }

    @Test
    void reportsRetainedEventsOnThePendingGauge() {
        // Given
        start("");
        event("e-1", T0);
        event("e-2", T0);

        // When a punctuation runs
        advanceStreamTimeTo(T0 + 500);

        // Then (RocksDB gives an estimate; three ids are retained: e-1, e-2 and the tick)
        double pending = registry.find(MetricNames.JOIN_PENDING.meterName()).gauge().value();
        assertThat(pending).isBetween(2.0, 3.0);
    }

    // ---- bad input -----------------------------------------------------------------------------------------------

    @Test
    void deadLettersBadRecordsWithTheirReasonAndKeepsJoiningGoodOnes() {
        // Given
        start("");
        byte[] notJson = "this is not json".getBytes(StandardCharsets.UTF_8);
        byte[] wrongShape = eventCodec.encode(new Event("e-shape", T0, new int[] {3}, new float[] {1f, 2f, 3f}),
                Encoding.JSON);
        byte[] nan = binaryEventWithNaN("e-nan");
        byte[] wrongClasses = logitsCodec.encode(TeacherLogits.dense("teacher-a", "v1", T0, new float[] {1f, 2f}),
                Encoding.JSON);
        byte[] outOfRange = labelCodec.encode(new Label(7, T0), Encoding.JSON);

        // When
        events.pipeInput("e-bad", notJson, T0);
        events.pipeInput("e-shape", wrongShape, T0);
        RecordHeaders binary = new RecordHeaders();
        Encoding.BINARY.writeTo(binary);
        events.pipeInput(new TestRecord<>("e-nan", nan, binary, T0));
        event("e-good", T0);
        logits("e-good", "teacher-a", T0, 1f, 2f, 3f);
        logits.pipeInput("e-good", wrongClasses, T0);
        labels.pipeInput("e-good", outOfRange, T0);
        labels.pipeInput((String) null, labelCodec.encode(new Label(1, T0), Encoding.JSON), T0);
        label("e-good", 1, T0 + 5);

        // Then
        List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
        assertThat(letters).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.ERROR_REASON))
                .containsExactly("NOT_JSON", "WRONG_SHAPE", "NON_FINITE", "WRONG_SHAPE", "LABEL_OUT_OF_RANGE",
                        "MISSING_FIELD");
        assertThat(letters).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.SOURCE_TOPIC))
                .containsExactly("distill.events", "distill.events", "distill.events", "distill.teacher-logits",
                        "distill.labels", "distill.labels");
        assertThat(letters.get(0).value()).isEqualTo(notJson);
        assertThat(new String(letters.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("e-bad");
        assertThat(letters.get(2).headers().lastHeader(Encoding.HEADER)).as("original headers kept").isNotNull();
        assertThat(DeadLetters.header(letters.get(1).headers(), DeadLetters.ERROR_MESSAGE)).contains("shape");
        assertThat(deadLettersCounted("NOT_JSON")).isEqualTo(1);
        assertThat(deadLettersCounted("WRONG_SHAPE")).isEqualTo(2);

        assertThat(readExamples()).extracting(TrainingExample::eventId, TrainingExample::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("e-good", TrainingExample.Kind.SOFT),
                        org.assertj.core.groups.Tuple.tuple("e-good", TrainingExample.Kind.LABELLED));
    }

    @Test
    void deadLettersAnEventWhoseKeyIsNotItsId() {
        // Given
        start("");

        // When
        events.pipeInput("other", eventCodec.encode(new Event("e-1", T0, new int[] {2, 2}, FEATURES), Encoding.JSON), T0);

        // Then
        assertThat(deadLetters.readRecordsToList()).singleElement().satisfies(r ->
                assertThat(DeadLetters.header(r.headers(), DeadLetters.ERROR_MESSAGE)).contains("differs from the event id"));
    }

    private byte[] binaryEventWithNaN(String id) {
        byte[] bytes = eventCodec.encode(new Event(id, T0, new int[] {2, 2}, new float[] {7.25f, 1f, 1f, 1f}),
                Encoding.BINARY);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 4 <= bytes.length; at += 4) {
            if (b.getFloat(at) == 7.25f) {
                b.putFloat(at, Float.NaN);
                return bytes;
            }
        }
        throw new AssertionError("feature 7.25 not found in the binary frame");
    }

    // ---- bounded state -------------------------------------------------------------------------------------------

    @Test
    void keepsStateForTwoHorizonsThenDropsItWithoutPerEventDeletes() {
        // Given a joined and labelled event, an orphan's logits and a waiting label
        start("");
        event("e-1", T0);
        logits("e-1", "teacher-a", T0, 1f, 2f, 3f);
        label("e-1", 1, T0 + 10);
        logits("orphan", "teacher-a", T0, 1f, 2f, 3f);
        assertThat(retained("e-1")).isEqualTo(1);

        // When stream time passes one horizon
        advanceStreamTimeTo(T0 + HORIZON + 500);

        // Then the orphan is gone after its hold, the event is still known (a late label counts as expired)
        assertThat(retained("orphan")).isZero();
        assertThat(retained("e-1")).isEqualTo(1);

        // When stream time passes several retentions (the store drops whole segments, at least a minute each)
        long retention = JoinStates.retention(HORIZON, WINDOW, ORPHAN_HOLD);
        for (int k = 1; k <= 4; k++) {
            advanceStreamTimeTo(T0 + k * (retention + 60_000));
        }

        // Then the event's state is gone, and only recent ticks are pending
        assertThat(retained("e-1")).isZero();
        assertThat(registry.find(MetricNames.JOIN_PENDING.meterName()).gauge().value()).isLessThanOrEqualTo(3.0);
    }
}
