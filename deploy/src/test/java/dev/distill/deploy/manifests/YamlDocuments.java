package dev.distill.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every YAML document of the deployment manifests, with where it came from. */
final class YamlDocuments {

    /** One document of a (possibly multi-document) YAML file; {@code index} counts from 1. */
    record Doc(String file, int index, JsonNode node) {
        String where() {
            String kind = node.path("kind").asText("");
            String name = node.path("metadata").path("name").asText("");
            return file + " document " + index + (kind.isEmpty() ? "" : " (" + kind + " " + name + ")");
        }

        String kind() {
            return node.path("kind").asText("");
        }

        String name() {
            return node.path("metadata").path("name").asText("");
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private YamlDocuments() {}

    /** All *.yaml / *.yml files under {@code dir}, sorted, named relative to {@code root}. */
    static List<Path> files(Path root, String dir) {
        try (Stream<Path> s = Files.walk(root.resolve(dir))) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root.resolve(dir), e);
        }
    }

    /** Parses one file; a syntax error becomes an {@link IllegalArgumentException} naming the file and position. */
    static List<Doc> parse(Path root, Path file) {
        String name = root.relativize(file).toString();
        try {
            return parse(name, Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    static List<Doc> parse(String name, String text) {
        List<Doc> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            int index = 0;
            while (it.hasNextValue()) {
                JsonNode node = it.nextValue();
                index++;
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    docs.add(new Doc(name, index, node));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(name + ": not valid YAML: " + e.getMessage(), e);
        }
        return docs;
    }
}
