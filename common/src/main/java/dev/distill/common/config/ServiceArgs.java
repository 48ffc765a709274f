package dev.distill.common.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The command line every service main takes: {@code [--config FILE] [--set key=value]...}. Environment variables
 * {@code DISTILL_<KEY>} sit between the file and the {@code --set} overrides (see {@link ConfigLoader}).
 *
 * @param configFile the configuration file, or null
 * @param overrides  {@code --set} values in the order given
 */
public record ServiceArgs(Path configFile, Map<String, String> overrides) {

    public ServiceArgs {
        overrides = Map.copyOf(overrides);
    }

    /**
     * @param service the service's name, for the usage line in errors
     * @throws IllegalArgumentException naming the bad argument and the usage
     */
    public static ServiceArgs parse(String service, String... args) {
        String usage = service + " [--config FILE] [--set key=value]...";
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--config") || a.equals("--set")) && i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; usage: " + usage);
            }
            switch (a) {
                case "--config" -> file = Path.of(args[++i]);
                case "--set" -> {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set " + kv + ": expected key=value; usage: " + usage);
                    }
                    overrides.put(kv.substring(0, eq).strip(), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'; usage: " + usage);
            }
        }
        return new ServiceArgs(file, overrides);
    }

    /** Loads a service's configuration from these arguments and {@code env}, validated against {@code definition}. */
    public <C> C load(ConfigDef definition, Map<String, String> env, Function<Map<String, Object>, C> factory) {
        return new ConfigLoader(definition, env).load(configFile, overrides, factory);
    }
}
