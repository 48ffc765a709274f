package dev.distill.common.config;

import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;

/** Renders a {@link ConfigDef} as the Markdown table in {@code docs/configuration.md}. */
public final class ConfigDocs {

    private ConfigDocs() {
    }

    public static String markdownTable(ConfigDef definition) {
        StringBuilder sb = new StringBuilder();
        sb.append("| key | environment variable | type | default | valid values | description |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : definition.configKeys().values()) {
            sb.append("| `").append(key.name).append("` | `").append(ConfigLoader.envVarName(key.name)).append("` | ")
                    .append(key.type.name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(key.hasDefault() ? "`" + key.defaultValue + "`" : "(required)").append(" | ")
                    .append(key.validator == null ? "" : escape(key.validator.toString())).append(" | ")
                    .append(escape(key.documentation)).append(" |\n");
        }
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("|", "\\|");
    }
}
