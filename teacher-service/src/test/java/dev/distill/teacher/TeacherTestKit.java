package dev.distill.teacher;

import dev.distill.common.event.Event;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.TeacherLogitsCodec;
import dev.distill.testsupport.KafkaFixture;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Topics, events and read-back helpers shared by the teacher ITs. */
public final class TeacherTestKit {

    public static final int PARTITIONS = 3;

    public final KafkaFixture kafka = KafkaFixture.shared();
    public final String events;
    public final String logits;
    public final String deadLetter;
    public final String group;

    public TeacherTestKit(String name) {
        events = kafka.uniqueTopic(name + "-events");
        logits = kafka.uniqueTopic(name + "-logits");
        deadLetter = kafka.uniqueTopic(name + "-dlq");
        group = kafka.uniqueTopic(name + "-group");
        kafka.createTopic(events, PARTITIONS);
        kafka.createTopic(logits, PARTITIONS);
        kafka.createTopic(deadLetter, PARTITIONS);
    }

    public static Path torchScriptFixture() {
        try {
            return Path.of(TeacherTestKit.class.getResource("/torchscript/teacher-mlp.pt").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Config arguments for TeacherMain.run / a child JVM. */
    public List<String> args(Path model, String... extra) {
        return args(kafka.bootstrapServers(), events, logits, deadLetter, group, model, List.of(extra));
    }

    /** Config arguments for a teacher on the given broker and topics; {@code extra} holds more {@code key=value}. */
    public static List<String> args(String bootstrap, String events, String logits, String deadLetter, String group,
                                    Path model, List<String> extra) {
        List<String> args = new ArrayList<>(List.of(
                "--set", "bootstrap.servers=" + bootstrap,
                "--set", "topic.events=" + events,
                "--set", "topic.teacher.logits=" + logits,
                "--set", "topic.dead.letter=" + deadLetter,
                "--set", "teacher.group.id=" + group,
                "--set", "teacher.model=" + model,
                "--set", "http.port=0"));
        for (String e : extra) {
            args.add("--set");
            args.add(e);
        }
        return args;
    }

    public static Event event(int i, long timestamp) {
        Random random = new Random(i);
        float[] features = new float[784];
        for (int j = 0; j < features.length; j++) {
            features[j] = random.nextFloat();
        }
        return new Event("e-" + i, timestamp, new int[] {28, 28}, features);
    }

    public KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(kafka.producerProps());
    }

    /** Sends an event, binary-encoded with its header, keyed by id. */
    public void send(KafkaProducer<byte[], byte[]> producer, Event e) {
        RecordHeaders headers = new RecordHeaders();
        Encoding.BINARY.writeTo(headers);
        producer.send(new ProducerRecord<>(events, null, e.id().getBytes(StandardCharsets.UTF_8),
                new EventCodec().encode(e, Encoding.BINARY), headers));
    }

    public void sendRaw(KafkaProducer<byte[], byte[]> producer, String key, byte[] value, Encoding encoding) {
        RecordHeaders headers = new RecordHeaders();
        encoding.writeTo(headers);
        producer.send(new ProducerRecord<>(events, null, key.getBytes(StandardCharsets.UTF_8), value, headers));
    }

    /** A read_committed reader of a whole topic from the beginning (no group). */
    public final class Reader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        public final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

        public Reader(String topic) {
            Map<String, Object> props = kafka.consumerProps(group + "-reader");
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(props);
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        /** Polls once and returns how many records were read so far. */
        public int poll() {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.size();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    public static Map<String, TeacherLogits> byKey(List<ConsumerRecord<byte[], byte[]>> records) {
        TeacherLogitsCodec codec = new TeacherLogitsCodec();
        Map<String, TeacherLogits> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.put(new String(r.key(), StandardCharsets.UTF_8), codec.decode(r.value(), r.headers()));
        }
        return out;
    }
}
