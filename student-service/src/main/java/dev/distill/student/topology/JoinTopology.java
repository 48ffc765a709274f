package dev.distill.student.topology;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The student's join: events ⋈ teacher logits ⋈ delayed labels, keyed by event id, written as
 * {@link dev.distill.student.example.TrainingExample}s to {@code student.examples.topic}.
 *
 * <p>Rules (all times are stream time, i.e. record timestamps, compared with the <em>event</em> timestamp):
 * <ul>
 *   <li>An event and its teacher logits are retained until {@code event.timestamp + label.horizon.ms}. One SOFT
 *       example is written when the event and every expected teacher ({@code student.teachers}; empty = any one) are
 *       present, or, once {@code event.timestamp + student.join.window.ms} has passed, with the teachers present.</li>
 *   <li>A label for a retained event writes one LABELLED example (with the teacher logits present) and is counted
 *       {@code joined}; a second label is counted {@code duplicate}; a label for an event past its horizon (by the
 *       label's timestamp, or because the event was already dropped) is counted {@code expired}; expired ids are
 *       remembered for one more horizon. A label whose event has not arrived is held for
 *       {@code student.join.orphan.hold.ms} and joins if the event comes; otherwise it is counted {@code unknown}.</li>
 *   <li>A record that does not decode or validate (shape, classes, finiteness, label range, missing or mismatched key)
 *       goes to the dead-letter topic with {@link dev.distill.common.kafka.DeadLetters} headers; processing goes on.</li>
 * </ul>
 * Run it with {@link StudentJoinConfig#streamsProperties()} ({@code exactly_once_v2}): examples and dead letters are
 * then written exactly once, and the trainer reads the examples topic with {@code isolation.level=read_committed}.
 * The inputs must be co-partitioned (same partition count, keyed by event id).
 */
public final class JoinTopology {

    public static final String STATE_STORE = "join-state";
    static final String EXAMPLES_SINK = "examples-sink";
    static final String DEAD_LETTER_SINK = "dead-letter-sink";
    private static final String JOIN = "join";

    private JoinTopology() {}

    /**
     * Builds the topology.
     *
     * @param registry where the join's counters and the label-delay timer are registered
     * @throws IllegalArgumentException if the input and output topics are not all distinct
     */
    public static Topology build(StudentJoinConfig config, MeterRegistry registry) {
        List<String> topics = List.of(config.eventsTopic(), config.teacherLogitsTopic(), config.labelsTopic(),
                config.examplesTopic(), config.deadLetterTopic());
        if (new HashSet<>(topics).size() != topics.size()) {
            throw new IllegalArgumentException("the join needs distinct events, teacher-logits, labels, examples and "
                    + "dead-letter topics, got " + topics);
        }
        JoinMetrics metrics = new JoinMetrics(registry);
        ByteArrayDeserializer in = new ByteArrayDeserializer();
        ByteArraySerializer out = new ByteArraySerializer();
        Topology topology = new Topology();
        topology.addSource("events-source", in, in, config.eventsTopic());
        topology.addSource("logits-source", in, in, config.teacherLogitsTopic());
        topology.addSource("labels-source", in, in, config.labelsTopic());
        topology.addProcessor(JOIN, new Supplier(config, metrics), "events-source", "logits-source", "labels-source");
        topology.addSink(EXAMPLES_SINK, config.examplesTopic(), out, out, JOIN);
        topology.addSink(DEAD_LETTER_SINK, config.deadLetterTopic(), out, out, JOIN);
        return topology;
    }

    private record Supplier(StudentJoinConfig config, JoinMetrics metrics)
            implements ProcessorSupplier<byte[], byte[], byte[], byte[]> {

        @Override
        public Processor<byte[], byte[], byte[], byte[]> get() {
            return new JoinProcessor(config, metrics);
        }

        @Override
        public Set<StoreBuilder<?>> stores() {
            // States live in a window store that drops segments older than its retention (JoinStates). It is
            // cached: an event's state is usually updated two or three times within one commit interval (event,
            // logits, label), and the cache writes it to RocksDB and its changelog once per commit.
            long retention = JoinStates.retention(config.labelHorizon().toMillis(), config.joinWindow().toMillis(),
                    config.orphanHold().toMillis());
            return Set.of(Stores.windowStoreBuilder(Stores.persistentWindowStore(STATE_STORE,
                    Duration.ofMillis(retention), Duration.ofMillis(1), false), Serdes.String(), Serdes.ByteArray())
                    .withCachingEnabled());
        }
    }
}
