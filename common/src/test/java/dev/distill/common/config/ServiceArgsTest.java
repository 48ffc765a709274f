package dev.distill.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceArgsTest {

    @Test
    void readsTheConfigFileAndOverridesInOrder() {
        ServiceArgs args = ServiceArgs.parse("teacher", "--config", "/etc/distill.properties", "--set", "a.b=1",
                "--set", "c=x=y");

        assertThat(args.configFile()).isEqualTo(Path.of("/etc/distill.properties"));
        assertThat(args.overrides()).isEqualTo(Map.of("a.b", "1", "c", "x=y"));
    }

    @Test
    void badArgumentsNameTheProblemAndTheUsage() {
        assertThatThrownBy(() -> ServiceArgs.parse("student", "--set", "novalue"))
                .hasMessageContaining("--set novalue: expected key=value")
                .hasMessageContaining("usage: student [--config FILE]");
        assertThatThrownBy(() -> ServiceArgs.parse("student", "--config"))
                .hasMessageContaining("--config needs a value");
        assertThatThrownBy(() -> ServiceArgs.parse("student", "--verbose"))
                .hasMessageContaining("unknown argument '--verbose'");
    }

    @Test
    void loadsThroughTheDefinitionSoBadValuesNameTheKey() {
        ServiceArgs args = ServiceArgs.parse("x", "--set", "topic.partitions=zero");

        assertThatThrownBy(() -> args.load(DistillConfig.commonDefinition(), Map.of(), DistillConfig::new))
                .hasMessageContaining("topic.partitions");
    }
}
