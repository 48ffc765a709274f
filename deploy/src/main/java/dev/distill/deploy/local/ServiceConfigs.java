package dev.distill.deploy.local;

import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;

/** Loads a service's configuration from the user's sources with the local stack's settings added. */
@FunctionalInterface
public interface ServiceConfigs {

    /**
     * @param defaults the local stack's choices; a key the user sets with {@code --set} wins over them
     * @param forced   settings the local stack cannot do without (e.g. the embedded broker's address); win over all
     */
    <C> C load(ConfigDef definition, Function<Map<String, Object>, C> factory, Map<String, String> defaults,
            Map<String, String> forced);
}
