package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.manifests.ManifestChecker.Loaded;
import dev.distill.deploy.manifests.ManifestChecker.ProjectContainer;
import dev.distill.deploy.manifests.YamlDocuments.Doc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests (deploy/k8s) and the compose file (deploy/compose) name only what exists in the project:
 * its image, DistillMain's subcommands and options, configuration keys and DISTILL_* variables of the services'
 * ConfigDefs (or kafka.* pass-through), the configured http.port, and the topics of DistillTopics.
 */
class DeploymentManifestsTest {

    private static final Path ROOT = repositoryRoot();

    @TempDir Path tmp;

    @Test
    void manifestsFitTheProject() throws IOException {
        // Given every YAML document under deploy/k8s and deploy/compose
        // When they are checked against the code
        List<String> problems = check(k8sDocs(), composeDocs());
        // Then nothing names an image, command, key, port or topic the project does not have
        assertThat(problems).as("problems in the deployment manifests").isEmpty();
    }

    @Test
    void everyManifestParsesAndKubernetesDocumentsHaveKindAndName() {
        List<Doc> k8s = k8sDocs();
        assertThat(k8s).isNotEmpty();
        assertThat(composeDocs()).singleElement().satisfies(d -> assertThat(d.node().path("services").size())
                .as("services in %s", d.file()).isGreaterThan(5));
        for (Doc d : k8s) {
            assertThat(d.node().path("apiVersion").asText()).as("apiVersion of %s", d.where()).isNotBlank();
            assertThat(d.kind()).as("kind of %s", d.where()).isNotBlank();
            if (!d.kind().equals("Kustomization")) {
                assertThat(d.name()).as("metadata.name of %s", d.where()).isNotBlank();
            }
        }
    }

    @Test
    void imageFileNamesTheProjectImageWithTheProjectVersion() throws IOException {
        String image = projectImage();
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher version = Pattern.compile("</parent>|<artifactId>distill-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        String projectVersion = null;
        while (version.find()) {
            if (version.group(1) != null) {
                projectVersion = version.group(1).trim();
                break;
            }
        }
        assertThat(projectVersion).as("version of the root pom.xml").isNotNull();
        assertThat(image).as("deploy/docker/IMAGE").isEqualTo("distill/distill:" + projectVersion);
        assertThat(Files.readString(ROOT.resolve("deploy/docker/Dockerfile")))
                .as("deploy/docker/Dockerfile").contains("ENTRYPOINT [\"/opt/distill/bin/distill\"]")
                .contains("ai.djl.offline").doesNotContain("ai.djl.offline=false");
        assertThat(Files.readString(ROOT.resolve("deploy/docker/distill.sh")))
                .as("deploy/docker/distill.sh").contains("-Dai.djl.offline=true", "dev.distill.deploy.DistillMain");
    }

    @Test
    void allowListedLauncherVariablesAreReadByTheEntryPoint() throws IOException {
        String script = Files.readString(ROOT.resolve("deploy/docker/distill.sh"));
        for (String var : ManifestChecker.LAUNCHER_VARIABLES) {
            assertThat(script).as("deploy/docker/distill.sh reads %s", var).contains("${" + var);
        }
    }

    @Test
    void kustomizationListsEveryManifest() {
        Doc kustomization = k8sDocs().stream().filter(d -> d.kind().equals("Kustomization")).findFirst().orElseThrow();
        Set<String> listed = new TreeSet<>(ManifestChecker.stringList(kustomization.node().path("resources")));
        Set<String> files = new TreeSet<>();
        for (Path f : YamlDocuments.files(ROOT, "deploy/k8s")) {
            if (!f.getFileName().toString().equals("kustomization.yaml")) {
                files.add(ROOT.resolve("deploy/k8s").relativize(f).toString());
            }
        }
        assertThat(listed).as("resources of %s", kustomization.where()).isEqualTo(files);
    }

    // ---- the checker reports what is wrong, and where

    @Test
    void reportsAnUnknownConfigKeyWithFileDocumentAndKey() throws IOException {
        List<Doc> k8s = new ArrayList<>(k8sDocs());
        k8s.addAll(YamlDocuments.parse("deploy/k8s/broken.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: broken}
                data:
                  DISTILL_TOPIC_PARTITION: "3"
                  student.properties: |
                    student.checkpoint.directory=/x
                """));
        List<String> problems = check(k8s, List.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("deploy/k8s/broken.yaml document 1 (ConfigMap broken)",
                "DISTILL_TOPIC_PARTITION"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("deploy/k8s/broken.yaml document 1",
                "student.checkpoint.directory"));
    }

    @Test
    void reportsUnknownSubcommandsOptionsAndWrongPortsOfComposeServices() throws IOException {
        List<Doc> compose = YamlDocuments.parse("deploy/compose/broken.yaml", """
                services:
                  a:
                    image: %1$s
                    command: ["teachers"]
                  b:
                    image: %1$s
                    command: ["edge", "--server=http://s:8080", "--model=m", "--device-id=d", "--public-key=k", "--colour=red"]
                  c:
                    image: %1$s
                    command: ["teacher", "-s", "teacher.model=/m", "-s", "teacher.batch.size=3"]
                    environment: {DISTILL_HTTP_PORT: "8080", DISTILL_TEACHER_BATCH_SIZE: "3"}
                  d:
                    image: %1$s
                    command: ["student"]
                    environment: {DISTILL_HTTP_PORT: "8080"}
                    expose: ["9090"]
                  e:
                    image: grafana/grafana:latest
                """.formatted(projectImage()));
        List<String> problems = check(List.of(), compose);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("service a args", "teachers"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("service b args", "--colour"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("service c", "teacher.batch.size"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("service c env DISTILL_TEACHER_BATCH_SIZE"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("service d port 9090", "http.port 8080"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("service e image", "no pinned tag"));
    }

    @Test
    void reportsKafkaTopicsThatDifferFromDistillTopics() throws IOException {
        List<Doc> k8s = new ArrayList<>();
        for (Doc d : k8sDocs()) {
            if (d.kind().equals("KafkaTopic") && d.name().equals("distill-labels")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) d.node().path("spec")).put("partitions", 4);
            }
            if (!(d.kind().equals("KafkaTopic") && d.name().equals("distill-dead-letter"))) {
                k8s.add(d);
            }
        }
        List<String> problems = check(k8s, List.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("(KafkaTopic distill-labels) spec.partitions 4",
                "says 6"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("no KafkaTopic for topic distill.dead-letter"));
    }

    // ---- wiring

    private List<String> check(List<Doc> k8s, List<Doc> compose) throws IOException {
        ManifestChecker checker = new ManifestChecker(projectImage(), AppInfoParser.getVersion(), tmp);
        List<Loaded> k8sServices = new ArrayList<>();
        for (Doc d : k8s) {
            switch (d.kind()) {
                case "ConfigMap" -> checker.checkConfigMap(d);
                case "Service" -> checker.checkService(d, k8s);
                default -> { }
            }
            for (ProjectContainer c : checker.kubernetesContainers(d, k8s)) {
                checker.checkCommandAndConfig(c).ifPresent(l -> {
                    checker.checkPorts(l);
                    if (l.subcommand().equals("teacher") || l.subcommand().equals("student")) {
                        k8sServices.add(l);
                    }
                });
            }
        }
        List<Doc> topics = k8s.stream().filter(d -> d.kind().equals("KafkaTopic")).toList();
        if (!topics.isEmpty() || !k8sServices.isEmpty()) {
            checker.checkTopics(topics, k8sServices);
        }
        for (Doc d : compose) {
            List<Loaded> services = new ArrayList<>();
            for (ProjectContainer c : checker.composeContainers(d)) {
                checker.checkCommandAndConfig(c).ifPresent(l -> {
                    checker.checkPorts(l);
                    services.add(l);
                });
            }
            checker.checkTopicsAgree(services);
        }
        return checker.problems();
    }

    private static List<Doc> k8sDocs() {
        List<Doc> docs = new ArrayList<>();
        YamlDocuments.files(ROOT, "deploy/k8s").forEach(f -> docs.addAll(YamlDocuments.parse(ROOT, f)));
        return docs;
    }

    private static List<Doc> composeDocs() {
        List<Doc> docs = new ArrayList<>();
        YamlDocuments.files(ROOT, "deploy/compose").forEach(f -> docs.addAll(YamlDocuments.parse(ROOT, f)));
        return docs;
    }

    private static String projectImage() throws IOException {
        return Files.readString(ROOT.resolve("deploy/docker/IMAGE")).strip();
    }

    /** Surefire runs in the module directory (deploy/); the manifests are named relative to the repository root. */
    private static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        return Files.isDirectory(dir.resolve("deploy/docker")) ? dir : dir.getParent();
    }
}
