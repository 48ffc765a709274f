package dev.distill.common.config;

import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * A configuration problem that names the key, the offending value, where the value came from
 * (file, environment variable or override) and what was expected.
 */
public final class DistillConfigException extends ConfigException {

    private final String key;
    private final String source;

    public DistillConfigException(String key, String source, String message) {
        super(message);
        this.key = key;
        this.source = source;
    }

    public String key() {
        return key;
    }

    /** Where the bad value came from, e.g. {@code env DISTILL_TOPIC_PARTITIONS}; empty for a missing key. */
    public Optional<String> source() {
        return Optional.ofNullable(source);
    }
}
