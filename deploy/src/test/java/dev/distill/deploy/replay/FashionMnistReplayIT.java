package dev.distill.deploy.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import dev.distill.testsupport.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FashionMnistReplayIT {

    private static final KafkaFixture kafka = KafkaFixture.shared();
    private static LabelledImages test;

    @BeforeAll
    static void loadData() {
        test = FashionMnist.load(FashionMnist.DEFAULT_DIR, Split.TEST);
    }

    @Test
    void replaysImagesAsEventsAndDelaysLabelsForTheRequestedFraction() throws Exception {
        // Given a replay of 200 test images, binary-encoded, half of them labelled 300 ms later
        String events = kafka.uniqueTopic("events");
        String labels = kafka.uniqueTopic("labels");
        kafka.createTopic(events, 3);
        kafka.createTopic(labels, 3);
        ReplaySettings settings = new ReplaySettings(Split.TEST, 2000, 200, null, Duration.ofMillis(300), 0.5,
                Encoding.BINARY, "it", 42);

        // When it runs to the end
        ReplayStats stats;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            stats = new FashionMnistReplay(test, settings, producer, events, labels, Clock.systemUTC()).run(s -> { });
        }

        // Then every event is on the topic with the image's pixels, and every label trails its event by the delay
        List<ConsumerRecord<byte[], byte[]>> eventRecords = readAll(events, 200);
        assertThat(stats.eventsSent()).isEqualTo(200);
        assertThat(stats.labelsUnsent()).isZero();
        EventCodec eventCodec = new EventCodec();
        Map<String, Long> eventTime = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : eventRecords) {
            Event e = eventCodec.decode(r.value(), r.headers());
            int index = Integer.parseInt(e.id().substring(e.id().lastIndexOf('-') + 1));
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(e.id());
            assertThat(e.features()).containsExactly(test.image(index));
            eventTime.put(e.id(), e.timestamp());
        }
        assertThat(eventTime).hasSize(200);

        List<ConsumerRecord<byte[], byte[]>> labelRecords = readAll(labels, (int) stats.labelsSent());
        assertThat(labelRecords).hasSize((int) stats.labelsSent()).hasSizeBetween(70, 130);
        LabelCodec labelCodec = new LabelCodec();
        for (ConsumerRecord<byte[], byte[]> r : labelRecords) {
            String id = new String(r.key(), StandardCharsets.UTF_8);
            Label label = labelCodec.decode(r.value(), r.headers());
            int index = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
            assertThat(label.label()).isEqualTo(test.label(index));
            assertThat(label.timestamp() - eventTime.get(id)).isGreaterThanOrEqualTo(300);
        }
    }

    @Test
    void endlessReplayStartsOverWithFreshIdsWhenTheSplitIsExhausted() throws Exception {
        // Given three 2x2 images and an endless replay limited to 7 events
        LabelledImages three = new LabelledImages(2, 2, new byte[] {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110},
                new byte[] {1, 2, 3});
        String events = kafka.uniqueTopic("events");
        String labels = kafka.uniqueTopic("labels");
        kafka.createTopic(events, 1);
        kafka.createTopic(labels, 1);
        ReplaySettings settings = new ReplaySettings(Split.TEST, 2000, 7, null, Duration.ZERO, 0, Encoding.BINARY,
                "loop", 1);
        List<Long> seen = new ArrayList<>();

        // When it runs
        ReplayStats stats;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            stats = new FashionMnistReplay(three, settings, producer, events, labels, Clock.systemUTC()).endless()
                    .onEvent(seen::add).run(s -> { });
        }

        // Then the images repeat in order, every event has its own id, and the listener saw each one
        assertThat(stats.eventsSent()).isEqualTo(7);
        assertThat(seen).hasSize(7);
        EventCodec codec = new EventCodec();
        List<String> ids = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(events, 7)) {
            Event e = codec.decode(r.value(), r.headers());
            int index = Integer.parseInt(e.id().substring(e.id().lastIndexOf('-') + 1));
            assertThat(e.features()).containsExactly(three.image(index % 3));
            ids.add(e.id());
        }
        assertThat(ids).hasSize(7).doesNotHaveDuplicates();
    }

    @Test
    void labelDelayedByEventsFollowsItsEventByExactlyThatManyEventsAndTheRestFollowTheLastEvent() throws Exception {
        // Given one single-partition topic for events and labels (its offsets give the order of every send) and a
        // replay of 10 images, every one labelled 3 events later
        String topic = kafka.uniqueTopic("events-and-labels");
        kafka.createTopic(topic, 1);
        ReplaySettings settings = new ReplaySettings(Split.TEST, 1e9, 10, null, Duration.ofHours(1), 1.0,
                Encoding.BINARY, "by-events", 1, new DriftScenario(DriftScenario.Kind.NONE, 0), 1.0, 3);

        // When it runs as fast as it can (the time delay of an hour is ignored)
        ReplayStats stats;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProps())) {
            stats = new FashionMnistReplay(test, settings, producer, topic, topic, Clock.systemUTC()).run(s -> { });
        }

        // Then label i comes right after event i + 3, and the last three labels right after the last event
        assertThat(stats.labelsSent()).isEqualTo(10);
        assertThat(stats.startedAtMillis()).isPositive();
        List<String> order = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic, 20)) {
            String id = new String(r.key(), StandardCharsets.UTF_8);
            boolean event = r.headers().lastHeader(Encoding.HEADER) != null;
            order.add((event ? "e" : "l") + id.substring(id.lastIndexOf('-') + 1));
        }
        assertThat(order).containsExactly("e0", "e1", "e2", "e3", "l0", "e4", "l1", "e5", "l2", "e6", "l3", "e7", "l4",
                "e8", "l5", "e9", "l6", "l7", "l8", "l9");
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProps(topic + "-reader"))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
