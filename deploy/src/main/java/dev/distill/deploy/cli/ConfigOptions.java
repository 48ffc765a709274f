package dev.distill.deploy.cli;

import dev.distill.common.config.ConfigLoader;
import dev.distill.common.config.DistillConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Option;

/** The configuration options every command shares: one file, environment overrides, and {@code --set} on top. */
public final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (Java properties). Environment variables DISTILL_<KEY> override it.")
    Path file;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "Set one configuration key; wins over the file and the environment. Repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** Loads the common configuration with {@code extra} applied last (e.g. the embedded broker's address). */
    public DistillConfig load(Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(extra);
        return ConfigLoader.loadCommon(file, System.getenv(), all);
    }

    public DistillConfig load() {
        return load(Map.of());
    }

    /** Loads a service's own configuration (its definition extends the common one) with {@code extra} applied last. */
    public <C> C load(ConfigDef definition, Function<Map<String, Object>, C> factory, Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(extra);
        return new ConfigLoader(definition, System.getenv()).load(file, all, factory);
    }
}
