package dev.distill.deploy.cli;

import dev.distill.common.config.ConfigLoader;
import dev.distill.common.config.DistillConfig;
import dev.distill.deploy.local.ServiceConfigs;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Option;

/** The configuration options every command shares: one file, environment overrides, and {@code --set} on top. */
public final class ConfigOptions implements ServiceConfigs {

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

    /** Set once every key was checked against all services together: each service then gets only its own keys. */
    private boolean checkedForAllServices;

    /**
     * Loads the configuration for a command that runs several services in one process: every {@code --set} key is
     * checked once against the union of their definitions (so a typo is still an error), and each service's own
     * {@link #load(ConfigDef, Function, Map, Map)} afterwards sees only the keys it declares.
     */
    public DistillConfig loadForServices(Map<String, String> defaults, Map<String, String> forced, List<ConfigDef> services) {
        ConfigDef union = DistillConfig.commonDefinition();
        for (ConfigDef service : services) {
            service.configKeys().values().stream().filter(k -> !union.names().contains(k.name)).forEach(union::define);
        }
        Map<String, String> all = new LinkedHashMap<>(defaults);
        all.putAll(overrides);
        all.putAll(forced);
        DistillConfig config = new ConfigLoader(union, System.getenv()).load(file, all, v -> new AllServices(union, v));
        checkedForAllServices = true;
        return config;
    }

    @Override
    public <C> C load(ConfigDef definition, Function<Map<String, Object>, C> factory, Map<String, String> defaults,
            Map<String, String> forced) {
        Map<String, String> all = new LinkedHashMap<>(defaults);
        all.putAll(overrides);
        all.putAll(forced);
        if (checkedForAllServices) {
            all.keySet().removeIf(k -> !definition.names().contains(k) && !k.startsWith(DistillConfig.KAFKA_PREFIX));
        }
        return new ConfigLoader(definition, System.getenv()).load(file, all, factory);
    }

    /** The common view of a configuration that holds the keys of several services. */
    private static final class AllServices extends DistillConfig {
        AllServices(ConfigDef union, Map<String, Object> values) {
            super(union, values);
        }
    }
}
