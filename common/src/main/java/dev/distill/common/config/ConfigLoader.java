package dev.distill.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Loads a configuration from, in increasing precedence: the defaults of a {@link ConfigDef}, one optional
 * properties file, environment variables, and explicit overrides (e.g. command-line flags).
 *
 * <p>Key {@code a.b-c} is read from environment variable {@code DISTILL_A_B_C}. Keys with the prefix
 * {@value DistillConfig#KAFKA_PREFIX} are passed through unchecked to Kafka clients; environment variable
 * {@code DISTILL_KAFKA_SASL_MECHANISM} sets {@code kafka.sasl.mechanism}. Other {@code DISTILL_*} variables
 * that match no key are ignored (the launcher uses some, e.g. {@code DISTILL_HOME}). An unknown key in the file
 * or the overrides is an error that names the closest known key.
 *
 * <p>Every value is parsed and validated here, so that an error can say where the value came from.
 */
public final class ConfigLoader {

    public static final String ENV_PREFIX = "DISTILL_";
    private static final String ENV_KAFKA_PREFIX = ENV_PREFIX + "KAFKA_";

    private final ConfigDef definition;
    private final Map<String, String> env;

    /**
     * @param definition the keys to accept, e.g. {@link DistillConfig#commonDefinition()} or a service's extension
     * @param env        environment variables; pass {@code System.getenv()} in production, a map in tests
     */
    public ConfigLoader(ConfigDef definition, Map<String, String> env) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    }

    /** Loads the common keys only. */
    public static DistillConfig loadCommon(Path file, Map<String, String> env, Map<String, String> overrides) {
        return new ConfigLoader(DistillConfig.commonDefinition(), env).load(file, overrides, DistillConfig::new);
    }

    /** Environment variable for a key: {@code topic.dead.letter} → {@code DISTILL_TOPIC_DEAD_LETTER}. */
    public static String envVarName(String key) {
        return ENV_PREFIX + key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * Merges and validates all sources and builds the config.
     *
     * @param file      properties file, or {@code null} for none
     * @param overrides values that win over file and environment (e.g. from CLI flags)
     * @param factory   the config constructor, e.g. {@code DistillConfig::new}
     * @throws DistillConfigException naming key, value, source and expected form
     */
    public <C> C load(Path file, Map<String, String> overrides, Function<Map<String, Object>, C> factory) {
        return factory.apply(loadValues(file, overrides));
    }

    /** The merged, validated raw values (strings), including {@code kafka.*} pass-through keys. */
    public Map<String, Object> loadValues(Path file, Map<String, String> overrides) {
        Map<String, Sourced> merged = new LinkedHashMap<>();
        if (file != null) {
            String source = "file " + file;
            Map<String, String> fromFile = readFile(file);
            rejectUnknownKeys(fromFile.keySet(), source);
            fromFile.forEach((k, v) -> merged.put(k, new Sourced(v, source + " (key " + k + ")")));
        }
        for (String key : definition.names()) {
            String var = envVarName(key);
            String value = env.get(var);
            if (value != null) {
                merged.put(key, new Sourced(value, "environment variable " + var));
            }
        }
        new TreeMap<>(env).forEach((var, value) -> {
            if (var.startsWith(ENV_KAFKA_PREFIX) && var.length() > ENV_KAFKA_PREFIX.length()) {
                String key = DistillConfig.KAFKA_PREFIX
                        + var.substring(ENV_KAFKA_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                merged.put(key, new Sourced(value, "environment variable " + var));
            }
        });
        if (overrides != null) {
            rejectUnknownKeys(overrides.keySet(), "overrides");
            overrides.forEach((k, v) -> merged.put(k, new Sourced(v, "override " + k)));
        }
        validate(merged);
        Map<String, Object> out = new LinkedHashMap<>();
        merged.forEach((k, s) -> out.put(k, s.value()));
        return out;
    }

    private void validate(Map<String, Sourced> merged) {
        for (ConfigDef.ConfigKey key : definition.configKeys().values()) {
            Sourced given = merged.get(key.name);
            if (given == null) {
                if (!key.hasDefault()) {
                    throw new DistillConfigException(key.name, null, "Missing required config key '" + key.name
                            + "' (" + expectedForm(key) + "): set it in the config file, with environment variable "
                            + envVarName(key.name) + ", or as an override. " + key.documentation);
                }
                continue;
            }
            try {
                Object parsed = ConfigDef.parseType(key.name, given.value(), key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(key.name, parsed);
                }
            } catch (ConfigException e) {
                throw new DistillConfigException(key.name, given.source(), "Invalid value '" + given.value()
                        + "' for config key '" + key.name + "' from " + given.source() + ": expected "
                        + expectedForm(key) + " (" + e.getMessage() + ")");
            }
        }
        merged.forEach((key, given) -> {
            if (key.startsWith(DistillConfig.KAFKA_PREFIX)) {
                String setting = key.substring(DistillConfig.KAFKA_PREFIX.length());
                if (!KafkaClientKeys.isKnown(setting)) {
                    throw new DistillConfigException(key, given.source(), "Unknown Kafka client setting '" + key
                            + "' from " + given.source() + ": no Kafka client knows '" + setting + "', so it would be "
                            + "ignored" + KafkaClientKeys.closest(setting)
                            .map(k -> " (did you mean '" + DistillConfig.KAFKA_PREFIX + k + "'?)").orElse(""));
                }
            }
        });
        Sourced kafkaBootstrap = merged.get(DistillConfig.KAFKA_PREFIX + DistillConfig.BOOTSTRAP_SERVERS);
        if (kafkaBootstrap != null) {
            throw new DistillConfigException(DistillConfig.KAFKA_PREFIX + DistillConfig.BOOTSTRAP_SERVERS,
                    kafkaBootstrap.source(), "Config key 'kafka.bootstrap.servers' from " + kafkaBootstrap.source()
                            + " is not allowed: use '" + DistillConfig.BOOTSTRAP_SERVERS + "'");
        }
    }

    private static String expectedForm(ConfigDef.ConfigKey key) {
        String type = key.type.name().toLowerCase(Locale.ROOT);
        return key.validator == null ? "a value of type " + type
                : "a value of type " + type + ", " + key.validator;
    }

    private void rejectUnknownKeys(Set<String> keys, String source) {
        List<String> unknown = new ArrayList<>();
        for (String key : new TreeSet<>(keys)) {
            if (!definition.names().contains(key) && !key.startsWith(DistillConfig.KAFKA_PREFIX)) {
                unknown.add(key);
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        List<String> described = new ArrayList<>();
        unknown.forEach(k -> described.add("'" + k + "' (" + suggestionFor(k) + ")"));
        throw new DistillConfigException(unknown.get(0), source,
                "Unknown config key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", described)
                        + " in " + source + ". Kafka client settings take the prefix '"
                        + DistillConfig.KAFKA_PREFIX + "', e.g. kafka.security.protocol.");
    }

    private String suggestionFor(String unknown) {
        if (isKafkaClientKey(unknown)) {
            return "did you mean '" + DistillConfig.KAFKA_PREFIX + unknown + "'?";
        }
        return definition.names().stream()
                .min(Comparator.comparingInt((String known) -> editDistance(unknown, known)).thenComparing(k -> k))
                .map(k -> "did you mean '" + k + "'?")
                .orElse("no keys are defined");
    }

    private static boolean isKafkaClientKey(String key) {
        Set<String> all = new HashSet<>(ProducerConfig.configNames());
        all.addAll(ConsumerConfig.configNames());
        all.addAll(AdminClientConfig.configNames());
        return all.contains(key);
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DistillConfigException(null, "file " + file,
                    "Config file " + file + " does not exist or is not a regular file");
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new DistillConfigException(null, "file " + file,
                    "Cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : new TreeSet<>(props.stringPropertyNames())) {
            out.put(name, props.getProperty(name));
        }
        return out;
    }

    private record Sourced(String value, String source) {
    }
}
