package dev.distill.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {

    private static final String BEGIN = "<!-- BEGIN GENERATED: ConfigDocs.markdownTable(DistillConfig.commonDefinition()) -->";
    private static final String END = "<!-- END GENERATED -->";

    @Test
    void docsTableIsIdenticalToTheCommonDefinition() throws IOException {
        Path doc = List.of(Path.of("..", "docs", "configuration.md"), Path.of("docs", "configuration.md")).stream()
                .filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new AssertionError("docs/configuration.md not found"));
        String text = Files.readString(doc);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END, Math.max(begin, 0));
        assertThat(begin).as("marker " + BEGIN).isNotNegative();
        assertThat(end).as("marker " + END).isGreaterThan(begin);

        String table = text.substring(begin + BEGIN.length(), end).strip() + "\n";

        assertThat(table).as("docs/configuration.md is out of date; paste ConfigDocs.markdownTable(...) between the markers")
                .isEqualTo(ConfigDocs.markdownTable(DistillConfig.commonDefinition()));
    }
}
