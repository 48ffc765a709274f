package dev.distill.student.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The lookup's reading pattern and failure paths, over Kafka's {@link MockConsumer} fed from an in-memory log (a
 * broker-backed check is in JoinTopologyIT and the student ITs).
 */
class EventLookupTest {

    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final List<TeacherOutput> TEACHER = List.of(new TeacherOutput("t", "v", 1f, new float[] {1, 2}));

    private final LogConsumer recent = new LogConsumer();
    private final LogConsumer older = new LogConsumer();

    @Test
    void readsEventsInOrderWithOneSeekAndLargeFetches() {
        // Given 300 events and soft examples naming them in order
        log(300);
        EventLookup lookup = new EventLookup(recent, older, TOPIC, 64);

        // When every example's features are read
        for (int i = 0; i < 300; i++) {
            // Then each row holds its own event's features
            assertThat(features(lookup, soft(i))).containsExactly(i, -i);
        }
        assertThat(lookup.seeks()).isEqualTo(1);
        assertThat(lookup.recordsRead()).isEqualTo(300);
        assertThat(recent.polls).isLessThan(300 / LogConsumer.MAX_POLL + 3);
    }

    @Test
    void servesLabelledExamplesWithinTheCacheWithoutReadingTheTopicAgain() {
        // Given labels 20 events behind the soft examples, with 128 events kept (fetches read up to 50 ahead)
        log(300);
        EventLookup lookup = new EventLookup(recent, older, TOPIC, 128);

        // When soft and labelled examples interleave, as the join writes them
        for (int i = 0; i < 300; i++) {
            assertThat(features(lookup, soft(i))).containsExactly(i, -i);
            if (i >= 20) {
                assertThat(features(lookup, labelled(i - 20))).containsExactly(i - 20, -(i - 20));
            }
        }

        // Then the older events' reader was never needed
        assertThat(older.polls).isZero();
        assertThat(lookup.recordsRead()).isEqualTo(300);
    }

    @Test
    void readsLabelledExamplesBeyondTheCacheSequentiallyWithTheSecondReader() {
        // Given labels 200 events behind, with 128 events kept
        log(600);
        EventLookup lookup = new EventLookup(recent, older, TOPIC, 128);

        // When
        for (int i = 0; i < 600; i++) {
            assertThat(features(lookup, soft(i))).containsExactly(i, -i);
            if (i >= 200) {
                assertThat(features(lookup, labelled(i - 200))).containsExactly(i - 200, -(i - 200));
            }
        }

        // Then each reader read the topic about once and seeked once
        assertThat(lookup.seeks()).isEqualTo(2);
        assertThat(lookup.recordsRead()).isLessThan(600 + 400 + 2 * LogConsumer.MAX_POLL);
    }

    @Test
    void reportsAPositionPastTheCommittedEndAsAnEventTheTopicDoesNotHold() {
        log(10);
        EventLookup lookup = new EventLookup(recent, older, TOPIC, 64);

        assertThatThrownBy(() -> features(lookup, soft("e-500", 500)))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("events partition 0 offset 500")
                .hasMessageContaining("no longer holds it");
    }

    @Test
    void reportsAnEventDeletedByRetention() {
        log(10);
        recent.setPollException(new OffsetOutOfRangeException("deleted", Map.of(P0, 3L)));
        EventLookup lookup = new EventLookup(recent, older, TOPIC, 64);

        assertThatThrownBy(() -> features(lookup, soft(3)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("retention");
        // and the next request seeks again and is served
        assertThat(features(lookup, soft(4))).containsExactly(4, -4);
    }

    @Test
    void refusesARecordThatIsAnotherEvent() {
        log(10);
        EventLookup lookup = new EventLookup(recent, older, TOPIC, 64);

        assertThatThrownBy(() -> features(lookup, soft("e-x", 4)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("that record is event e-4");
    }

    @Test
    void stopsWaitingForAnEventTheClusterDoesNotServeYetWhenAskedToStop() {
        // Given the broker says the log ends at 100 but serves only 10 records (as while a leader moves)
        log(10);
        recent.updateEndOffsets(Map.of(P0, 100L));
        EventLookup lookup = new EventLookup(recent, older, TOPIC, 64);

        // When / Then
        assertThatThrownBy(() -> lookup.featuresInto(soft("e-50", 50), new float[2], 0, 2, () -> recent.polls > 3))
                .isInstanceOf(CancellationException.class);
    }

    private static float[] features(EventLookup lookup, TrainingExample e) {
        float[] row = new float[2];
        lookup.featuresInto(e, row, 0, 2, () -> false);
        return row;
    }

    private static TrainingExample soft(int i) {
        return soft("e-" + i, i);
    }

    private static TrainingExample soft(String id, long offset) {
        return TrainingExample.soft(id, 1L, 0, offset, TEACHER);
    }

    private static TrainingExample labelled(int i) {
        return TrainingExample.labelled("e-" + i, 1L, 0, i, TEACHER, new Label(1, 2L));
    }

    private void log(int n) {
        EventCodec codec = new EventCodec();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "e-" + i;
            RecordHeaders headers = new RecordHeaders();
            Encoding.BINARY.writeTo(headers);
            records.add(new ConsumerRecord<>(TOPIC, 0, i, 1L, TimestampType.CREATE_TIME, -1, -1,
                    id.getBytes(StandardCharsets.UTF_8),
                    codec.encode(new Event(id, 1L, new int[] {2}, new float[] {i, -i}), Encoding.BINARY), headers,
                    Optional.empty()));
        }
        for (LogConsumer c : List.of(recent, older)) {
            c.log.put(P0, records);
            c.updateBeginningOffsets(Map.of(P0, 0L));
            c.updateEndOffsets(Map.of(P0, (long) n));
        }
    }

    /** A MockConsumer that serves each poll from a log, from the partition's position, as a broker would. */
    private static final class LogConsumer extends MockConsumer<byte[], byte[]> {
        static final int MAX_POLL = 50;
        final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log = new HashMap<>();
        int polls;

        LogConsumer() {
            super("none");
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            polls++;
            for (TopicPartition tp : assignment()) {
                if (paused().contains(tp)) {
                    continue;
                }
                long from = position(tp);
                List<ConsumerRecord<byte[], byte[]>> records = log.getOrDefault(tp, List.of());
                for (int i = (int) from; i < records.size() && i < from + MAX_POLL; i++) {
                    addRecord(records.get(i));
                }
            }
            return super.poll(timeout);
        }
    }
}
