package dev.distill.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.common.config.ConfigLoader;
import dev.distill.common.config.DistillConfig;
import dev.distill.common.topic.DistillTopics;
import dev.distill.common.topic.TopicSpec;
import dev.distill.deploy.DistillMain;
import dev.distill.deploy.manifests.YamlDocuments.Doc;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.teacher.config.TeacherConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Checks deployment manifests against the project: images, CLI subcommands and options, configuration keys and
 * environment variables, ports, probes, Prometheus annotations and Strimzi topics. Every problem is one line that
 * names file, document and key; an empty list means the manifests fit the code.
 */
final class ManifestChecker {

    /** DISTILL_* variables that the image's entry point (deploy/docker/distill.sh) reads; they are no config keys. */
    static final Set<String> LAUNCHER_VARIABLES = Set.of("DISTILL_HOME", "DISTILL_JAVA_OPTS", "DISTILL_ACTIVE_LOCK");
    /** Third-party images the manifests may use: always with a pinned tag. */
    static final Set<String> THIRD_PARTY_IMAGES = Set.of("apache/kafka", "prom/prometheus", "grafana/grafana");
    private static final Set<String> CONFIGURED_COMMANDS = Set.of("teacher", "student", "topics", "replay", "broker");

    /** A container that runs the project image, with everything resolved that the checks need. */
    record ProjectContainer(String where, List<String> args, Map<String, String> env, Set<String> sharedEnvNames,
                            Map<String, String> files, Map<String, Integer> namedPorts, List<Integer> ports,
                            List<Probe> probes, Map<String, String> annotations, int replicas, Doc doc) {
    }

    record Probe(String kind, String path, JsonNode port) {
    }

    /** A project container whose configuration loaded. */
    record Loaded(ProjectContainer container, String subcommand, DistillConfig config) {
    }

    private final String projectImage;
    private final String kafkaVersion;
    private final List<String> problems = new ArrayList<>();
    private final Path tmp;

    ManifestChecker(String projectImage, String kafkaVersion, Path tmp) {
        this.projectImage = projectImage;
        this.kafkaVersion = kafkaVersion;
        this.tmp = tmp;
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    private void problem(String where, String what) {
        problems.add(where + ": " + what);
    }

    // ---- images

    void checkImage(String where, String image) {
        if (image == null || image.isBlank()) {
            problem(where, "no image");
            return;
        }
        if (image.equals(projectImage)) {
            return;
        }
        int colon = image.lastIndexOf(':');
        String repo = colon < 0 ? image : image.substring(0, colon);
        String tag = colon < 0 ? "" : image.substring(colon + 1);
        if (repo.equals(projectImage.substring(0, projectImage.lastIndexOf(':')))) {
            problem(where, "image " + image + " is not the project image " + projectImage + " (deploy/docker/IMAGE)");
        } else if (!THIRD_PARTY_IMAGES.contains(repo)) {
            problem(where, "image " + image + " is neither the project image " + projectImage
                    + " nor one of the allowed third-party images " + new java.util.TreeSet<>(THIRD_PARTY_IMAGES));
        } else if (tag.isEmpty() || tag.equals("latest")) {
            problem(where, "image " + image + " has no pinned tag");
        } else if (repo.equals("apache/kafka") && !tag.equals(kafkaVersion)) {
            problem(where, "image " + image + ": the brokers should run the project's kafka.version " + kafkaVersion);
        }
    }

    // ---- Kubernetes pod templates

    /** The containers of a Deployment/StatefulSet/Job/Pod document that run the project image. */
    List<ProjectContainer> kubernetesContainers(Doc doc, List<Doc> all) {
        JsonNode podTemplate = doc.kind().equals("Pod") ? doc.node() : doc.node().path("spec").path("template");
        if (doc.kind().equals("CronJob")) {
            podTemplate = doc.node().path("spec").path("jobTemplate").path("spec").path("template");
        }
        JsonNode podSpec = podTemplate.path("spec");
        if (!podSpec.has("containers")) {
            return List.of();
        }
        Map<String, String> annotations = stringMap(podTemplate.path("metadata").path("annotations"));
        int replicas = doc.node().path("spec").path("replicas").asInt(1);
        List<ProjectContainer> out = new ArrayList<>();
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : podSpec.path(list)) {
                String where = doc.where() + " " + list + " " + c.path("name").asText("?");
                String image = c.path("image").asText(null);
                checkImage(where + " image", image);
                if (!projectImage.equals(image)) {
                    continue;
                }
                if (c.has("command")) {
                    problem(where + " command", "must not replace the image's entry point (the distill CLI); "
                            + "put the subcommand into args");
                }
                Map<String, String> env = new LinkedHashMap<>();
                Set<String> shared = new java.util.HashSet<>();
                for (JsonNode from : c.path("envFrom")) {
                    if (from.has("configMapRef")) {
                        String cm = from.path("configMapRef").path("name").asText();
                        Optional<Doc> map = find(all, "ConfigMap", cm);
                        if (map.isEmpty()) {
                            problem(where + " envFrom", "ConfigMap " + cm + " is not in the manifests");
                        } else {
                            Map<String, String> data = stringMap(map.get().node().path("data"));
                            env.putAll(data);
                            shared.addAll(data.keySet());
                        }
                    } else {
                        problem(where + " envFrom", "only configMapRef can be checked; put secrets into env "
                                + "with secretKeyRef");
                    }
                }
                for (JsonNode e : c.path("env")) {
                    env.put(e.path("name").asText(), envValue(where, e, all));
                }
                Map<String, String> files = mountedFiles(where, c, podSpec, all);
                Map<String, Integer> named = new LinkedHashMap<>();
                List<Integer> ports = new ArrayList<>();
                for (JsonNode p : c.path("ports")) {
                    ports.add(p.path("containerPort").asInt(-1));
                    if (p.has("name")) {
                        named.put(p.path("name").asText(), p.path("containerPort").asInt(-1));
                    }
                }
                List<Probe> probes = new ArrayList<>();
                for (String kind : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                    JsonNode probe = c.path(kind);
                    if (probe.isMissingNode()) {
                        continue;
                    }
                    if (!probe.has("httpGet")) {
                        problem(where + " " + kind, "use httpGet on the service's http.port (/health, /ready)");
                        continue;
                    }
                    probes.add(new Probe(kind, probe.path("httpGet").path("path").asText(),
                            probe.path("httpGet").path("port")));
                }
                out.add(new ProjectContainer(where, stringList(c.path("args")), env, shared, files, named, ports,
                        probes, annotations, replicas, doc));
            }
        }
        return out;
    }

    private String envValue(String where, JsonNode e, List<Doc> all) {
        if (e.has("value")) {
            return e.path("value").asText();
        }
        JsonNode from = e.path("valueFrom");
        if (from.has("configMapKeyRef")) {
            String cm = from.path("configMapKeyRef").path("name").asText();
            String key = from.path("configMapKeyRef").path("key").asText();
            JsonNode v = find(all, "ConfigMap", cm).map(d -> d.node().path("data").path(key))
                    .orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
            if (v.isMissingNode()) {
                problem(where + " env " + e.path("name").asText(), "ConfigMap " + cm + " has no key " + key);
                return "";
            }
            return v.asText();
        }
        if (from.has("secretKeyRef") || from.has("fieldRef") || from.has("resourceFieldRef")) {
            // known only at run time; a placeholder still lets the key itself be checked
            return "placeholder-from-" + from.fieldNames().next();
        }
        problem(where + " env " + e.path("name").asText(), "has neither value nor a supported valueFrom");
        return "";
    }

    /** Files that ConfigMap volumes put into the container: absolute path → content. */
    private Map<String, String> mountedFiles(String where, JsonNode c, JsonNode podSpec, List<Doc> all) {
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        for (JsonNode v : podSpec.path("volumes")) {
            volumes.put(v.path("name").asText(), v);
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (JsonNode m : c.path("volumeMounts")) {
            String volumeName = m.path("name").asText();
            JsonNode volume = volumes.get(volumeName);
            if (volume == null) {
                problem(where + " volumeMounts " + volumeName, "no volume of that name in the pod");
                continue;
            }
            if (!volume.has("configMap")) {
                continue;
            }
            String cm = volume.path("configMap").path("name").asText();
            Optional<Doc> map = find(all, "ConfigMap", cm);
            if (map.isEmpty()) {
                problem(where + " volume " + volumeName, "ConfigMap " + cm + " is not in the manifests");
                continue;
            }
            Map<String, String> data = stringMap(map.get().node().path("data"));
            Map<String, String> paths = new LinkedHashMap<>();
            if (volume.path("configMap").has("items")) {
                for (JsonNode item : volume.path("configMap").path("items")) {
                    paths.put(item.path("key").asText(), item.path("path").asText());
                }
            } else {
                data.keySet().forEach(k -> paths.put(k, k));
            }
            String mountPath = m.path("mountPath").asText();
            String subPath = m.path("subPath").asText("");
            paths.forEach((key, path) -> {
                if (subPath.isEmpty()) {
                    files.put(mountPath + "/" + path, data.get(key));
                } else if (subPath.equals(path)) {
                    files.put(mountPath, data.get(key));
                }
            });
        }
        return files;
    }

    // ---- compose services

    List<ProjectContainer> composeContainers(Doc doc) {
        List<ProjectContainer> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.node().path("services").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            String where = doc.file() + " service " + service.getKey();
            String image = service.getValue().path("image").asText(null);
            checkImage(where + " image", image);
            if (!projectImage.equals(image)) {
                continue;
            }
            JsonNode s = service.getValue();
            if (s.has("entrypoint")) {
                problem(where + " entrypoint", "must not replace the image's entry point (the distill CLI)");
            }
            List<String> args = s.path("command").isTextual()
                    ? List.of(s.path("command").asText().trim().split("\\s+")) : stringList(s.path("command"));
            Map<String, String> env = new LinkedHashMap<>();
            JsonNode environment = s.path("environment");
            if (environment.isArray()) {
                for (JsonNode e : environment) {
                    String[] kv = e.asText().split("=", 2);
                    env.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
            } else {
                env.putAll(stringMap(environment));
            }
            List<Integer> ports = new ArrayList<>();
            for (JsonNode p : s.path("expose")) {
                ports.add(Integer.parseInt(p.asText().split("/")[0]));
            }
            for (JsonNode p : s.path("ports")) {
                String spec = p.isObject() ? p.path("target").asText() : p.asText();
                String[] parts = spec.split("/")[0].split(":");
                ports.add(Integer.parseInt(parts[parts.length - 1]));
            }
            out.add(new ProjectContainer(where, args, env, Set.of(), Map.of(), Map.of(), ports, List.of(), Map.of(),
                    s.path("deploy").path("replicas").asInt(1), doc));
        }
        return out;
    }

    // ---- CLI and configuration

    /** Parses a project container's arguments as the CLI would and loads its configuration as the service would. */
    Optional<Loaded> checkCommandAndConfig(ProjectContainer c) {
        if (c.args().isEmpty()) {
            problem(c.where() + " args", "no subcommand (the image would only print the CLI's help)");
            return Optional.empty();
        }
        ParseResult parsed;
        try {
            parsed = new CommandLine(new DistillMain()).setCaseInsensitiveEnumValuesAllowed(true)
                    .parseArgs(c.args().toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            problem(c.where() + " args " + c.args(), "the distill CLI rejects them: " + e.getMessage());
            return Optional.empty();
        }
        if (!parsed.hasSubcommand()) {
            problem(c.where() + " args " + c.args(), "no subcommand of DistillMain");
            return Optional.empty();
        }
        ParseResult sub = parsed.subcommand();
        String name = sub.commandSpec().name();
        ConfigDef definition = definitionOf(name);
        checkEnvironment(c, definition);
        if (!CONFIGURED_COMMANDS.contains(name)) {
            return Optional.empty();
        }
        Map<String, String> overrides = sub.matchedOptionValue("-s", Map.of());
        Path configFile = sub.matchedOptionValue("--config", null);
        Path file = null;
        if (configFile != null) {
            String content = c.files().get(configFile.toString());
            if (content == null) {
                problem(c.where() + " --config " + configFile, "no ConfigMap volume puts a file there");
                return Optional.empty();
            }
            file = writeTemp(content);
        }
        Function<Map<String, Object>, DistillConfig> factory = switch (name) {
            case "teacher" -> TeacherConfig::new;
            case "student" -> StudentServiceConfig::new;
            default -> DistillConfig::new;
        };
        try {
            DistillConfig config = new ConfigLoader(definition, c.env()).load(file, overrides, factory);
            return Optional.of(new Loaded(c, name, config));
        } catch (RuntimeException e) {
            String source = configFile == null ? "" : " (--config " + configFile + ")";
            problem(c.where() + source, "the " + name + " configuration does not load: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static ConfigDef definitionOf(String subcommand) {
        return switch (subcommand) {
            case "teacher" -> TeacherConfig.definition();
            case "student" -> StudentServiceConfig.definition();
            case "topics", "replay", "broker" -> DistillConfig.commonDefinition();
            default -> new ConfigDef();
        };
    }

    /** Every key of every service: what a ConfigMap shared by all services may hold. */
    static ConfigDef allServiceKeys() {
        ConfigDef union = DistillConfig.commonDefinition();
        for (ConfigDef def : List.of(TeacherConfig.definition(), StudentServiceConfig.definition())) {
            def.configKeys().values().stream().filter(k -> !union.names().contains(k.name)).forEach(union::define);
        }
        return union;
    }

    /**
     * DISTILL_* variables that match no key are silently ignored by {@link ConfigLoader}, so a typo would go unnoticed:
     * each must be a launcher variable, a DISTILL_KAFKA_* pass-through, or the variable of a key (of this service when
     * set on the container, of any service when it comes from a ConfigMap shared by all).
     */
    private void checkEnvironment(ProjectContainer c, ConfigDef own) {
        ConfigDef shared = allServiceKeys();
        for (String var : c.env().keySet()) {
            if (!var.startsWith(ConfigLoader.ENV_PREFIX) || LAUNCHER_VARIABLES.contains(var)) {
                continue;
            }
            if (var.startsWith(ConfigLoader.ENV_PREFIX + "KAFKA_")) {
                if (own.names().isEmpty()) {
                    problem(c.where() + " env " + var, "this command reads no configuration (no kafka.* pass-through)");
                }
                continue;
            }
            ConfigDef def = c.sharedEnvNames().contains(var) ? shared : own;
            boolean known = def.names().stream().anyMatch(k -> ConfigLoader.envVarName(k).equals(var));
            if (!known) {
                problem(c.where() + " env " + var, "matches no configuration key"
                        + (own.names().isEmpty() ? " (this command reads none)" : " of this service")
                        + "; keys map as a.b-c -> DISTILL_A_B_C (docs/configuration.md)");
            }
        }
    }

    /** Keys in ConfigMap data: DISTILL_* variables or *.properties files of any service. */
    void checkConfigMap(Doc doc) {
        ConfigDef all = allServiceKeys();
        stringMap(doc.node().path("data")).forEach((key, value) -> {
            if (key.startsWith(ConfigLoader.ENV_PREFIX)) {
                boolean known = LAUNCHER_VARIABLES.contains(key) || key.startsWith(ConfigLoader.ENV_PREFIX + "KAFKA_")
                        || all.names().stream().anyMatch(k -> ConfigLoader.envVarName(k).equals(key));
                if (!known) {
                    problem(doc.where() + " data " + key, "matches no configuration key of any service");
                }
            } else if (key.endsWith(".properties")) {
                java.util.Properties props = new java.util.Properties();
                try {
                    props.load(new java.io.StringReader(value));
                } catch (IOException e) {
                    problem(doc.where() + " data " + key, "not a properties file: " + e.getMessage());
                    return;
                }
                for (String k : new java.util.TreeSet<>(props.stringPropertyNames())) {
                    if (!all.names().contains(k) && !k.startsWith(DistillConfig.KAFKA_PREFIX)) {
                        problem(doc.where() + " data " + key + " key " + k, "is no configuration key of any service "
                                + "and no kafka.* pass-through");
                    }
                }
            } else {
                problem(doc.where() + " data " + key, "neither a DISTILL_* variable nor a *.properties file");
            }
        });
    }

    // ---- ports, probes, annotations

    void checkPorts(Loaded loaded) {
        ProjectContainer c = loaded.container();
        int http = loaded.config().httpPort();
        boolean serves = loaded.subcommand().equals("teacher") || loaded.subcommand().equals("student");
        if (serves && http <= 0) {
            problem(c.where(), "http.port is " + http + "; set a fixed port (DISTILL_HTTP_PORT) so that probes, "
                    + "Services and Prometheus can reach /metrics, /health and /ready");
            return;
        }
        for (int port : c.ports()) {
            if (port != http) {
                problem(c.where() + " port " + port, "differs from the configured http.port " + http);
            }
        }
        for (Probe probe : c.probes()) {
            JsonNode p = probe.port();
            Integer port = p.isInt() ? Integer.valueOf(p.asInt()) : c.namedPorts().get(p.asText());
            if (port == null || port != http) {
                problem(c.where() + " " + probe.kind() + " port " + p.asText(), "is not the configured http.port "
                        + http);
            }
            String expected = probe.kind().equals("readinessProbe") ? "/ready" : "/health";
            if (!expected.equals(probe.path())) {
                problem(c.where() + " " + probe.kind() + " path " + probe.path(), "should be " + expected);
            }
        }
        if (c.doc().file().startsWith("deploy/k8s") && serves) {
            if (c.probes().stream().noneMatch(p -> p.kind().equals("readinessProbe"))) {
                problem(c.where(), "has no readinessProbe on /ready");
            }
            if (loaded.subcommand().equals("teacher") && c.probes().stream().noneMatch(p -> p.kind().equals("livenessProbe"))) {
                problem(c.where(), "has no livenessProbe on /health");
            }
            Map<String, String> a = c.annotations();
            if (!"true".equals(a.get("prometheus.io/scrape"))) {
                problem(c.where() + " annotation prometheus.io/scrape", "should be \"true\"");
            }
            if (!Integer.toString(http).equals(a.get("prometheus.io/port"))) {
                problem(c.where() + " annotation prometheus.io/port " + a.get("prometheus.io/port"),
                        "should be the configured http.port " + http);
            }
            if (!"/metrics".equals(a.get("prometheus.io/path"))) {
                problem(c.where() + " annotation prometheus.io/path " + a.get("prometheus.io/path"),
                        "should be /metrics");
            }
        }
        if (loaded.subcommand().equals("teacher") && c.replicas() > loaded.config().topicPartitions()) {
            problem(c.where() + " replicas " + c.replicas(), "exceed topic.partitions "
                    + loaded.config().topicPartitions() + ": the extra teacher replicas would get no partition");
        }
    }

    /** A Service's target ports must be ports of the pods it selects. */
    void checkService(Doc service, List<Doc> all) {
        Map<String, String> selector = stringMap(service.node().path("spec").path("selector"));
        List<JsonNode> pods = new ArrayList<>();
        for (Doc d : all) {
            JsonNode labels = d.node().path("spec").path("template").path("metadata").path("labels");
            if (!labels.isMissingNode() && stringMap(labels).entrySet().containsAll(selector.entrySet())) {
                pods.add(d.node().path("spec").path("template").path("spec"));
            }
        }
        if (pods.isEmpty()) {
            problem(service.where() + " selector " + selector, "selects no pod template in the manifests");
            return;
        }
        for (JsonNode port : service.node().path("spec").path("ports")) {
            JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
            for (JsonNode pod : pods) {
                boolean found = false;
                for (JsonNode c : pod.path("containers")) {
                    for (JsonNode p : c.path("ports")) {
                        found |= target.isInt() ? p.path("containerPort").asInt() == target.asInt()
                                : p.path("name").asText().equals(target.asText());
                    }
                }
                if (!found) {
                    problem(service.where() + " port " + port.path("name").asText() + " targetPort "
                            + target.asText(), "is no container port of the selected pods");
                }
            }
        }
    }

    // ---- topics

    /** KafkaTopic resources against DistillTopics.from(config) of each service, plus the student's examples topic. */
    void checkTopics(List<Doc> kafkaTopics, List<Loaded> services) {
        if (services.isEmpty()) {
            problem("deploy/k8s", "no teacher or student whose configuration loaded: cannot check the KafkaTopics");
            return;
        }
        Map<String, Doc> byName = new LinkedHashMap<>();
        for (Doc d : kafkaTopics) {
            String name = d.node().path("spec").path("topicName").asText(d.name());
            byName.put(name, d);
            if (d.node().path("metadata").path("labels").path("strimzi.io/cluster").asText().isEmpty()) {
                problem(d.where() + " metadata.labels strimzi.io/cluster", "missing: the Topic Operator ignores it");
            }
        }
        Map<String, TopicSpec> expected = new LinkedHashMap<>();
        for (Loaded s : services) {
            DistillTopics topics = DistillTopics.from(s.config());
            List<TopicSpec> specs = new ArrayList<>(topics.all());
            if (s.config() instanceof StudentServiceConfig student) {
                specs.add(new TopicSpec(student.examplesTopic(), topics.events().partitions(),
                        topics.events().replicationFactor(), topics.events().configs()));
            }
            for (TopicSpec spec : specs) {
                TopicSpec before = expected.putIfAbsent(spec.name(), spec);
                if (before != null && !before.equals(spec)) {
                    problem(s.container().where(), "its configuration implies topic " + spec + " but another service's "
                            + "implies " + before + "; configure all services alike");
                }
            }
        }
        expected.forEach((name, spec) -> {
            Doc d = byName.get(name);
            if (d == null) {
                problem("deploy/k8s", "no KafkaTopic for topic " + name + " (" + spec + ")");
                return;
            }
            JsonNode s = d.node().path("spec");
            if (s.path("partitions").asInt(-1) != spec.partitions()) {
                problem(d.where() + " spec.partitions " + s.path("partitions").asText(), "DistillTopics says "
                        + spec.partitions() + " (topic.partitions; events, teacher-logits, labels and the examples "
                        + "topic must be equal)");
            }
            if (s.path("replicas").asInt(-1) != spec.replicationFactor()) {
                problem(d.where() + " spec.replicas " + s.path("replicas").asText(), "DistillTopics says "
                        + spec.replicationFactor() + " (topic.replication.factor)");
            }
            Map<String, String> actual = stringMap(s.path("config"));
            if (!new TreeMap<>(actual).equals(new TreeMap<>(spec.configs()))) {
                problem(d.where() + " spec.config " + new TreeMap<>(actual), "DistillTopics says "
                        + new TreeMap<>(spec.configs()));
            }
        });
        byName.forEach((name, d) -> {
            if (!expected.containsKey(name)) {
                problem(d.where() + " spec.topicName " + name, "is no topic of the system (DistillTopics, "
                        + "student.examples.topic)");
            }
        });
    }

    /** Services of one compose file must agree on the topics (the join needs co-partitioned inputs). */
    void checkTopicsAgree(List<Loaded> services) {
        Map<String, TopicSpec> seen = new LinkedHashMap<>();
        for (Loaded s : services) {
            for (TopicSpec spec : DistillTopics.from(s.config()).all()) {
                TopicSpec before = seen.putIfAbsent(spec.name(), spec);
                if (before != null && before.partitions() != spec.partitions()) {
                    problem(s.container().where(), "topic " + spec.name() + " with " + spec.partitions()
                            + " partitions, another service expects " + before.partitions());
                }
            }
        }
    }

    // ---- helpers

    static Optional<Doc> find(List<Doc> all, String kind, String name) {
        return all.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst();
    }

    static Map<String, String> stringMap(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
        }
        return out;
    }

    static List<String> stringList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private Path writeTemp(String content) {
        try {
            Path f = Files.createTempFile(tmp, "config", ".properties");
            Files.writeString(f, Objects.requireNonNull(content));
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
