package dev.distill.teacher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.common.kafka.FatalKafkaErrors;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.teacher.TeacherMain;
import dev.distill.teacher.TeacherService;
import dev.distill.teacher.TeacherTestKit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A cluster with ACLs where the teacher may not write the dead-letter topic: a record that must be dead-lettered
 * stops the teacher with the authorisation error (not an endless abort-and-retry), nothing after it is committed, and
 * once the ACL is fixed a new teacher dead-letters it and scores the rest.
 */
class TeacherUnauthorisedDeadLetterIT {

    private static final String ADMIN = "admin";
    private static final String TEACHER = "teacher";
    private static final String EVENTS = "acl-events";
    private static final String LOGITS = "acl-logits";
    private static final String DEAD_LETTER = "acl-dead-letter";
    private static final String GROUP = "acl-teacher-group";
    private static final String TEACHER_ID = "t-acl";

    @Test
    void stopsOnADeadLetterItMayNotWriteAndLosesNothing() throws Exception {
        String adminPassword = "a-" + UUID.randomUUID();
        String teacherPassword = "t-" + UUID.randomUUID();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .optSaslPlain(Map.of(ADMIN, adminPassword, TEACHER, teacherPassword))
                .optBrokerProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                // ANONYMOUS: the controller listener; embedded_broker: the inter-broker user of EmbeddedKafkaBroker
                .optBrokerProperty("super.users", "User:ANONYMOUS;User:embedded_broker;User:" + ADMIN)
                .build().start();
             Admin admin = Admin.create(adminProps(broker, adminPassword))) {
            // Given topics, and ACLs that let the teacher do everything but write the dead-letter topic
            admin.createTopics(List.of(new NewTopic(EVENTS, 1, (short) 1), new NewTopic(LOGITS, 1, (short) 1),
                    new NewTopic(DEAD_LETTER, 1, (short) 1))).all().get();
            admin.createAcls(List.of(
                    allow(ResourceType.TOPIC, EVENTS, PatternType.LITERAL, AclOperation.READ),
                    allow(ResourceType.TOPIC, EVENTS, PatternType.LITERAL, AclOperation.DESCRIBE),
                    allow(ResourceType.GROUP, GROUP, PatternType.LITERAL, AclOperation.READ),
                    allow(ResourceType.TOPIC, LOGITS, PatternType.LITERAL, AclOperation.WRITE),
                    allow(ResourceType.TOPIC, LOGITS, PatternType.LITERAL, AclOperation.DESCRIBE),
                    allow(ResourceType.TOPIC, DEAD_LETTER, PatternType.LITERAL, AclOperation.DESCRIBE),
                    allow(ResourceType.TRANSACTIONAL_ID, TEACHER_ID, PatternType.PREFIXED, AclOperation.WRITE),
                    allow(ResourceType.TRANSACTIONAL_ID, TEACHER_ID, PatternType.PREFIXED, AclOperation.DESCRIBE),
                    allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE)))
                    .all().get();
            // and a good event, one that is not JSON (a dead letter), and another good event
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(broker, adminPassword))) {
                send(producer, TeacherTestKit.event(0, System.currentTimeMillis()).id(),
                        new EventCodec().encode(TeacherTestKit.event(0, System.currentTimeMillis()), Encoding.BINARY));
                send(producer, "e-bad", "{not json".getBytes(StandardCharsets.UTF_8));
                send(producer, TeacherTestKit.event(2, System.currentTimeMillis()).id(),
                        new EventCodec().encode(TeacherTestKit.event(2, System.currentTimeMillis()), Encoding.BINARY));
            }

            // When the teacher runs
            Throwable failure;
            try (TeacherService teacher = TeacherMain.run(args(broker, teacherPassword))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> teacher.failure().isPresent());
                failure = teacher.failure().get();
            }

            // Then it stopped on the refusal of the dead letter, and committed no offset past the refused record
            assertThat(FatalKafkaErrors.find(failure)).get().isInstanceOf(TopicAuthorizationException.class);
            assertThat(committedOffset(admin)).isLessThanOrEqualTo(1);

            // When the ACL is fixed and a teacher runs again
            admin.createAcls(List.of(allow(ResourceType.TOPIC, DEAD_LETTER, PatternType.LITERAL,
                    AclOperation.WRITE))).all().get();
            try (TeacherService teacher = TeacherMain.run(args(broker, teacherPassword))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset(admin) == 3);
                assertThat(teacher.failure()).isEmpty();
            }

            // Then the bad event is a dead letter and both good events have exactly one logits record
            assertThat(readCommitted(broker, adminPassword, DEAD_LETTER, 1)).containsExactly("e-bad");
            assertThat(readCommitted(broker, adminPassword, LOGITS, 2)).containsExactlyInAnyOrder("e-0", "e-2");
        }
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + TEACHER, "*", operation, AclPermissionType.ALLOW));
    }

    private static String[] args(EmbeddedKafkaBroker broker, String password) {
        List<String> extra = new ArrayList<>(List.of("teacher.id=" + TEACHER_ID));
        broker.clientSecurityProperties(TEACHER, password).forEach((k, v) -> extra.add("kafka." + k + "=" + v));
        return TeacherTestKit.args(broker.bootstrapServers(), EVENTS, LOGITS, DEAD_LETTER, GROUP,
                TeacherTestKit.torchScriptFixture(), extra).toArray(String[]::new);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String key, byte[] value) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        (value.length > 0 && value[0] == '{' ? Encoding.JSON : Encoding.BINARY).writeTo(headers);
        producer.send(new ProducerRecord<>(EVENTS, null, key.getBytes(StandardCharsets.UTF_8), value, headers)).get();
    }

    /** The teacher group's committed offset on the events partition, 0 when none. */
    private static long committedOffset(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
        OffsetAndMetadata o = offsets.get(new TopicPartition(EVENTS, 0));
        return o == null ? 0 : o.offset();
    }

    /** Keys of the committed records of a one-partition topic, once at least {@code expected} are there. */
    private static List<String> readCommitted(EmbeddedKafkaBroker broker, String password, String topic,
                                              int expected) {
        Map<String, Object> props = new HashMap<>(broker.clientSecurityProperties(ADMIN, password));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (keys.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(new String(r.key(),
                        StandardCharsets.UTF_8)));
            }
            consumer.poll(Duration.ofMillis(500)).forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
        }
        return keys;
    }

    private static Map<String, Object> adminProps(EmbeddedKafkaBroker broker, String password) {
        Map<String, Object> props = new HashMap<>(broker.clientSecurityProperties(ADMIN, password));
        props.put("bootstrap.servers", broker.bootstrapServers());
        return props;
    }

    private static Map<String, Object> producerProps(EmbeddedKafkaBroker broker, String password) {
        Map<String, Object> props = adminProps(broker, password);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }
}
