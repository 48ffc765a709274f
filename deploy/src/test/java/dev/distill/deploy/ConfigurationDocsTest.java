package dev.distill.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.config.ConfigDocs;
import dev.distill.common.config.DistillConfig;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.teacher.config.TeacherConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every service key is documented in docs/configuration.md exactly as its definition declares it. */
class ConfigurationDocsTest {

    private static final Map<String, ConfigDef> SERVICES = Map.of(
            "teacher", TeacherConfig.definition(),
            "student", StudentServiceConfig.definition());

    @ParameterizedTest
    @ValueSource(strings = {"teacher", "student"})
    void serviceKeysAreDocumentedAsDeclared(String service) throws IOException {
        String begin = "<!-- BEGIN GENERATED: " + service + " keys -->";
        String end = "<!-- END GENERATED -->";
        Path doc = List.of(Path.of("..", "docs", "configuration.md"), Path.of("docs", "configuration.md")).stream()
                .filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new AssertionError("docs/configuration.md not found"));
        String text = Files.readString(doc);
        String expected = ConfigDocs.markdownTable(ownKeys(SERVICES.get(service)));
        int from = text.indexOf(begin);
        int to = text.indexOf(end, Math.max(from, 0));
        if (from < 0 || to < 0 || !text.substring(from + begin.length(), to).strip().equals(expected.strip())) {
            Path out = Path.of("target", "configuration-" + service + ".md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, begin + "\n" + expected + end + "\n");
        }
        assertThat(from).as("marker " + begin + " in " + doc).isNotNegative();
        assertThat(text.substring(from + begin.length(), to).strip())
                .as("docs/configuration.md is out of date for the " + service + "; the expected section is in target/")
                .isEqualTo(expected.strip());
    }

    /** The keys a service adds to the common ones (those have their own table). */
    private static ConfigDef ownKeys(ConfigDef service) {
        ConfigDef common = DistillConfig.commonDefinition();
        ConfigDef own = new ConfigDef();
        service.configKeys().values().stream().filter(k -> !common.names().contains(k.name)).forEach(own::define);
        return own;
    }
}
