package dev.distill.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One real Kafka broker shared by every test in a JVM, started on first use and stopped by a shutdown hook.
 *
 * <p>The broker is a Testcontainers {@link KafkaContainer} ({@value #DOCKER_IMAGE}) when a Docker engine answers,
 * otherwise the in-process {@link EmbeddedKafkaBroker}. Set the system property or environment variable
 * {@value #BROKER_SELECTOR} to {@code embedded} to skip the Docker probe (about 1 s) and always use the embedded one.
 *
 * <p>Tests share the broker, so each should use its own topic from {@link #uniqueTopic(String)} and its own group id.
 */
public final class KafkaFixture {

    public static final String BROKER_SELECTOR = "distill.test.broker";
    public static final String DOCKER_IMAGE = "apache/kafka:4.1.0";

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicLong TOPIC_COUNTER = new AtomicLong();

    private static volatile KafkaFixture shared;

    private final String bootstrapServers;
    private final boolean docker;

    private KafkaFixture(String bootstrapServers, boolean docker) {
        this.bootstrapServers = bootstrapServers;
        this.docker = docker;
    }

    /** The broker for this JVM, started on the first call; later calls return the same fixture. */
    public static KafkaFixture shared() {
        KafkaFixture fixture = shared;
        if (fixture == null) {
            synchronized (KafkaFixture.class) {
                fixture = shared;
                if (fixture == null) {
                    fixture = startBroker();
                    shared = fixture;
                }
            }
        }
        return fixture;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** True if the broker runs in a Docker container, false for the in-process broker. */
    public boolean isDocker() {
        return docker;
    }

    /** A topic name no other call in this JVM (or an earlier run on a kept broker) returns: prefix, counter, random. */
    public String uniqueTopic(String prefix) {
        String base = prefix == null || prefix.isBlank() ? "test" : prefix;
        return base + "-" + TOPIC_COUNTER.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates a topic with replication factor 1 and waits until the controller has accepted it. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = Admin.create(adminProps())) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitLeaders(admin, name, partitions);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("test broker " + bootstrapServers + ": creating topic '" + name + "' with "
                    + partitions + " partition(s) failed: " + e.getMessage()
                    + "; use uniqueTopic(...) so tests do not collide", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
    }

    /**
     * Returns once the leader of every partition serves requests: producing to a topic whose leader is not ready yet
     * can lose records to NOT_LEADER_OR_FOLLOWER followed by OutOfOrderSequence retries (seen on a loaded machine).
     * DescribeProducers is answered by the partition leader itself and writes nothing.
     */
    private static void awaitLeaders(Admin admin, String name, int partitions)
            throws InterruptedException, TimeoutException {
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            all.add(new TopicPartition(name, p));
        }
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                admin.describeProducers(all).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("topic " + name + " has no serving leader: " + e.getCause());
                }
                Thread.sleep(50);
            }
        }
    }

    /** Admin client settings for this broker; a fresh mutable map. */
    public Map<String, Object> adminProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** Producer settings with byte-array serializers and {@code acks=all}; a fresh mutable map. */
    public Map<String, Object> producerProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    /** Consumer settings with byte-array deserializers reading from the earliest offset; a fresh mutable map. */
    public Map<String, Object> consumerProps(String group) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    private static KafkaFixture startBroker() {
        if (!forcedEmbedded() && DockerClientFactory.instance().isDockerAvailable()) {
            return startContainer();
        }
        return startEmbedded();
    }

    private static boolean forcedEmbedded() {
        String selector = System.getProperty(BROKER_SELECTOR, System.getenv(BROKER_SELECTOR));
        return selector != null && selector.trim().toLowerCase(Locale.ROOT).equals("embedded");
    }

    @SuppressWarnings("resource") // stopped by the shutdown hook
    private static KafkaFixture startContainer() {
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(DOCKER_IMAGE))
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "kafka-fixture-container-stop"));
        return new KafkaFixture(container.getBootstrapServers(), true);
    }

    private static KafkaFixture startEmbedded() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-fixture-broker-stop"));
        broker.start();
        return new KafkaFixture(broker.bootstrapServers(), false);
    }
}
