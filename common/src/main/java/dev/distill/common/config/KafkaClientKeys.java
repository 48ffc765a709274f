package dev.distill.common.config;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The Kafka settings a {@code kafka.*} pass-through key may name: those of the producer, consumer and admin client,
 * and of Kafka Streams where it is on the classpath (the edge agent's is not, so it is looked up by name), including
 * Streams' client prefixes ({@code producer.}, {@code main.consumer.}, ...) and topic settings ({@code topic.*}).
 * A key outside them would be ignored by every client, with at most a log line: {@code kafka.securty.protocol=SSL}
 * left the clients in plaintext.
 */
final class KafkaClientKeys {

    private static final List<String> CLIENT_PREFIXES = List.of("producer.", "consumer.", "main.consumer.",
            "restore.consumer.", "global.consumer.", "admin.");
    private static final String TOPIC_PREFIX = "topic.";
    private static final Set<String> CLIENTS = clientKeys();
    private static final Set<String> ALL = allKeys();

    private KafkaClientKeys() {}

    /** Whether a pass-through key (without {@code kafka.}) names a setting some Kafka client knows. */
    static boolean isKnown(String key) {
        if (ALL.contains(key) || key.startsWith(TOPIC_PREFIX)) {
            return true;
        }
        for (String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix) && CLIENTS.contains(key.substring(prefix.length()))) {
                return true;
            }
        }
        return false;
    }

    /** The known key closest to {@code key}, for a "did you mean" hint. */
    static Optional<String> closest(String key) {
        return ALL.stream().min(Comparator.comparingInt((String k) -> ConfigLoader.editDistance(key, k))
                .thenComparing(k -> k));
    }

    private static Set<String> clientKeys() {
        Set<String> keys = new HashSet<>(ProducerConfig.configNames());
        keys.addAll(ConsumerConfig.configNames());
        keys.addAll(AdminClientConfig.configNames());
        return keys;
    }

    private static Set<String> allKeys() {
        Set<String> keys = new HashSet<>(CLIENTS);
        try {
            Class<?> streams = Class.forName("org.apache.kafka.streams.StreamsConfig");
            keys.addAll(((ConfigDef) streams.getMethod("configDef").invoke(null)).names());
        } catch (ReflectiveOperationException | LinkageError e) {
            // no Kafka Streams here (the edge agent): client settings only
        }
        return keys;
    }
}
