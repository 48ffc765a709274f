package dev.distill.student.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.kafka.DeadLetters;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.student.example.EventLookup;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.example.TrainingExampleCodec;
import dev.distill.testsupport.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinTopologyIT {

    private static final int EVENTS = 30;
    private static final int PARTITIONS = 2;

    @TempDir
    Path stateDir;

    @Test
    void writesExactlyOneSoftAndOneLabelledExamplePerEventReadCommitted() throws Exception {
        // Given a broker, co-partitioned topics and the join running with exactly_once_v2
        KafkaFixture kafka = KafkaFixture.shared();
        Map<String, Object> props = new HashMap<>();
        props.put(DistillConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        props.put(DistillConfig.TOPIC_EVENTS, kafka.uniqueTopic("events"));
        props.put(DistillConfig.TOPIC_TEACHER_LOGITS, kafka.uniqueTopic("logits"));
        props.put(DistillConfig.TOPIC_LABELS, kafka.uniqueTopic("labels"));
        props.put(DistillConfig.TOPIC_DEAD_LETTER, kafka.uniqueTopic("dead-letter"));
        props.put(StudentJoinConfig.EXAMPLES_TOPIC, kafka.uniqueTopic("examples"));
        props.put(StudentJoinConfig.APPLICATION_ID, kafka.uniqueTopic("join-it"));
        props.put(DistillConfig.MODEL_INPUT_SHAPE, "2,2");
        props.put(DistillConfig.MODEL_NUM_CLASSES, 3);
        props.put("kafka." + StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put("kafka." + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        StudentJoinConfig config = new StudentJoinConfig(props);
        for (String topic : List.of(config.eventsTopic(), config.teacherLogitsTopic(), config.labelsTopic(),
                config.deadLetterTopic(), config.examplesTopic())) {
            kafka.createTopic(topic, PARTITIONS);
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        try (KafkaStreams streams = new KafkaStreams(JoinTopology.build(config, registry), config.streamsProperties())) {
            streams.start();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

            // When events, their logits and (for every other event) a label, one label twice, and one bad event are produced
            long t0 = System.currentTimeMillis();
            Set<String> labelled = new TreeSet<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(kafka))) {
                EventCodec events = new EventCodec();
                TeacherLogitsCodec logits = new TeacherLogitsCodec();
                LabelCodec labels = new LabelCodec();
                for (int i = 0; i < EVENTS; i++) {
                    String id = "e-" + i;
                    send(producer, config.eventsTopic(), id, events.encode(
                            new Event(id, t0 + i, new int[] {2, 2}, new float[] {i, 1, 2, 3}), Encoding.JSON), t0 + i);
                    send(producer, config.teacherLogitsTopic(), id, logits.encode(
                            TeacherLogits.dense("teacher-a", "v1", t0 + i, new float[] {i, 0, -i}), Encoding.JSON), t0 + i);
                    if (i % 2 == 0) {
                        labelled.add(id);
                        send(producer, config.labelsTopic(), id,
                                labels.encode(new Label(i % 3, t0 + 100 + i), Encoding.JSON), t0 + 100 + i);
                    }
                }
                send(producer, config.labelsTopic(), "e-0", labels.encode(new Label(0, t0 + 500), Encoding.JSON), t0 + 500);
                send(producer, config.eventsTopic(), "e-bad", "{not json".getBytes(StandardCharsets.UTF_8), t0);
                producer.flush();
            }

            // Then a read_committed consumer sees exactly one SOFT per event and one LABELLED per labelled event
            List<TrainingExample> examples = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
            int expected = EVENTS + labelled.size();
            TrainingExampleCodec codec = new TrainingExampleCodec();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(readCommitted(kafka));
                 KafkaConsumer<byte[], byte[]> dlq = new KafkaConsumer<>(readCommitted(kafka))) {
                consumer.subscribe(List.of(config.examplesTopic()));
                dlq.subscribe(List.of(config.deadLetterTopic()));
                Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> examples.add(codec.decode(r.key(), r.value())));
                    dlq.poll(Duration.ofMillis(50)).forEach(deadLetters::add);
                    return examples.size() >= expected && !deadLetters.isEmpty();
                });
                // Nothing more may follow (no duplicate from the second label, none from a retried transaction).
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < until) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> examples.add(codec.decode(r.key(), r.value())));
                }
            }

            Map<TrainingExample.Kind, List<String>> byKind = examples.stream().collect(Collectors.groupingBy(
                    TrainingExample::kind, Collectors.mapping(TrainingExample::eventId, Collectors.toList())));
            assertThat(byKind.get(TrainingExample.Kind.SOFT)).hasSize(EVENTS).doesNotHaveDuplicates();
            assertThat(byKind.get(TrainingExample.Kind.LABELLED)).hasSize(labelled.size())
                    .containsExactlyInAnyOrderElementsOf(labelled);
            // and each example names its event's position, where the trainer's lookup finds that event's features
            try (EventLookup lookup = EventLookup.open(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()), "join-it-lookup", config.eventsTopic(), 64)) {
                assertThat(examples).filteredOn(e -> e.eventId().equals("e-4") && e.hasLabel()).singleElement()
                        .satisfies(e -> {
                            assertThat(e.label()).isEqualTo(1);
                            float[] features = new float[4];
                            lookup.featuresInto(e, features, 0, 4, () -> false);
                            assertThat(features).containsExactly(4f, 1f, 2f, 3f);
                            assertThat(e.teacher("teacher-a").logits()).containsExactly(4f, 0f, -4f);
                        });
                for (TrainingExample e : examples) {
                    float[] features = new float[4];
                    lookup.featuresInto(e, features, 0, 4, () -> false);
                    assertThat(features[0]).as(e.eventId()).isEqualTo(Float.parseFloat(e.eventId().substring(2)));
                }
            }
            assertThat(deadLetters).singleElement().satisfies(r -> {
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("e-bad");
                assertThat(DeadLetters.header(r.headers(), DeadLetters.ERROR_REASON)).isEqualTo("NOT_JSON");
            });
            assertThat(registry.find("distill.labels").tag("outcome", "duplicate").counter().count()).isEqualTo(1);
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value, long ts) {
        producer.send(new ProducerRecord<>(topic, null, ts, key.getBytes(StandardCharsets.UTF_8), value));
    }

    private static Map<String, Object> producerProps(KafkaFixture kafka) {
        Map<String, Object> p = kafka.producerProps();
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    private static Map<String, Object> readCommitted(KafkaFixture kafka) {
        Map<String, Object> p = kafka.consumerProps(kafka.uniqueTopic("reader"));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }
}
