package dev.distill.deploy.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.serde.Encoding;
import dev.distill.common.topic.DistillTopics;
import dev.distill.common.topic.TopicProvisioner;
import dev.distill.deploy.local.LocalStack;
import dev.distill.deploy.local.ServiceConfigs;
import dev.distill.deploy.replay.FashionMnistReplay;
import dev.distill.deploy.replay.ReplaySettings;
import dev.distill.edge.EdgeAgent;
import dev.distill.edge.EdgeAgentMain;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.teacher.config.TeacherConfig;
import dev.distill.teacher.training.TeacherArtifact;
import dev.distill.teacher.training.TrainTeacherMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The observability promises against the running local stack (embedded broker, teacher, student, the stack's edge
 * agent and one more agent started through {@link EdgeAgentMain} with {@code --http-port}), a live replay, a real
 * Prometheus scraping all three services every second, and headless Chromium loading the student's dashboard page.
 * The stack starts once for all checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GRAFANA_DASHBOARDS = Path.of("grafana/dashboards");
    private static final Pattern TEACHER_PORT = Pattern.compile("teacher service: .*http port (\\d+)");
    private static final Pattern STUDENT_PORT = Pattern.compile("student service: .*http://localhost:(\\d+)");

    @TempDir static Path dir; // static: created before @BeforeAll, shared by the checks

    private final HttpClient http = HttpClient.newHttpClient();
    private final ByteArrayOutputStream stackOutput = new ByteArrayOutputStream();
    private CompletableFuture<EmbeddedKafkaBroker> brokerStart; // starts while the teacher trains
    private EmbeddedKafkaBroker broker;
    private LocalStack stack;
    private EdgeAgent edge;
    private FashionMnistReplay replay;
    private Thread replayThread;
    private PrometheusServer prometheus;
    private int teacherPort;
    private int studentPort;
    private int edgePort;

    @BeforeAll
    void startStackAndPrometheus() throws Exception {
        // fail fast with the install hint before spending a minute on the stack
        assertThat(Files.isExecutable(PrometheusServer.BINARY)).as("Prometheus binary at " + PrometheusServer.BINARY
                + " (Debian package 'prometheus')").isTrue();
        assertThat(Files.isExecutable(HeadlessChromium.BINARY)).as("Chromium binary at " + HeadlessChromium.BINARY
                + " (Debian package 'chromium')").isTrue();

        // Given a tiny teacher (seconds to train), a fresh broker and the local stack's services on free ports
        PrintStream out = new PrintStream(stackOutput, true, StandardCharsets.UTF_8);
        brokerStart = CompletableFuture.supplyAsync(() -> EmbeddedKafkaBroker.builder().build().start());
        Path teacherDir = dir.resolve("models/teacher");
        // 10 000 examples, one epoch: good enough (~0.8) for accuracy and agreement to mean something
        TrainTeacherMain.run(new String[] {"--architecture", "mlp:784-32-10", "--epochs", "1", "--max-examples",
            "10000", "--output", teacherDir.toString()}, out);
        TeacherArtifact teacher = TeacherArtifact.read(teacherDir);
        broker = brokerStart.get(120, TimeUnit.SECONDS);
        ServiceConfigs configs = new Overrides(Map.of(
                "student.checkpoint.every.examples", "500",
                "student.checkpoint.every.ms", "3000"));
        TeacherConfig teacherConfig = configs.load(TeacherConfig.definition(), TeacherConfig::new,
                LocalStack.teacherDefaults(teacherDir, teacher),
                Map.of(DistillConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers()));
        provisionTopics(teacherConfig);
        stack = LocalStack.start(configs, broker.bootstrapServers(), dir.resolve("run"), teacherDir, teacher, out);
        String printed = stackOutput.toString(StandardCharsets.UTF_8);
        teacherPort = port(printed, TEACHER_PORT);
        studentPort = port(printed, STUDENT_PORT);

        // and an edge agent started the way `distill edge` does, serving its own /metrics
        Path publicKey = dir.resolve("run/student/keys/signing-key.pem.pub"); // written by the student on first start
        edgePort = PrometheusServer.freePort();
        edge = EdgeAgentMain.run(new String[] {"--server=http://localhost:" + studentPort, "--model=student",
            "--device-id=observability-edge-1", "--public-key=" + publicKey, "--poll-seconds=1",
            "--bootstrap-servers=" + broker.bootstrapServers(),
            "--status-topic=" + teacherConfig.getString(DistillConfig.TOPIC_EDGE_STATUS),
            "--http-port=" + edgePort});

        // and a live replay that keeps going while the checks run
        startReplay(teacherConfig);

        // and a real Prometheus scraping all three every second
        Map<String, String> jobs = new LinkedHashMap<>();
        jobs.put("distill-teacher", "127.0.0.1:" + teacherPort);
        jobs.put("distill-student", "127.0.0.1:" + studentPort);
        jobs.put("distill-edge", "127.0.0.1:" + edgePort);
        prometheus = PrometheusServer.start(Files.createDirectories(dir.resolve("prometheus")), jobs);
    }

    @AfterAll
    void stopAll() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (replay != null) {
            replay.stop();
            try {
                replayThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (edge != null) {
            edge.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (broker != null) {
            broker.close();
        } else if (brokerStart != null) {
            brokerStart.thenAccept(EmbeddedKafkaBroker::close); // setup failed before it was taken
        }
    }

    @Test
    void servicesAnswerHealthAndReadinessOnceTheLoopRuns() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            for (int port : List.of(teacherPort, studentPort, edgePort)) {
                assertThat(get(port, "/health").statusCode()).as("/health on " + port).isEqualTo(200);
                HttpResponse<String> ready = get(port, "/ready");
                assertThat(ready.statusCode()).as("/ready on " + port + ": " + ready.body()).isEqualTo(200);
            }
        });
    }

    @Test
    void prometheusScrapesEveryServiceAndAnswersTheKeySeriesWithNonZeroValues() {
        // the signals users watch (docs/metrics.md, "What to watch"), each answered by Prometheus with a value > 0
        List<String> keySeries = List.of(
                "up{job=\"distill-teacher\"}", "up{job=\"distill-student\"}", "up{job=\"distill-edge\"}",
                "sum(rate(distill_teacher_events_total{outcome=\"scored\"}[10s]))",
                "distill_teacher_inference_seconds_count",
                "distill_teacher_batch_size_max",
                "distill_teacher_latency_seconds_count",
                "distill_dead_letters_total{service=\"teacher\"}",
                "sum(rate(distill_student_examples_total[10s]))",
                "distill_student_loss_count{component=\"soft\"}",
                "distill_student_loss_count{component=\"hard\"}",
                "distill_student_accuracy",
                "distill_teacher_accuracy",
                "distill_student_agreement",
                "distill_label_delay_seconds_count",
                "distill_labels_total{outcome=\"joined\"}",
                "distill_join_examples_total",
                "distill_checkpoints_total{outcome=\"published\"}",
                "distill_edge_fleet_devices",
                "distill_edge_updates_total{service=\"edge\",outcome=\"applied\"}",
                "jvm_memory_used_bytes{service=\"edge\"}",
                "kafka_consumer_fetch_manager_records_consumed_total{service=\"teacher\"}",
                "kafka_producer_record_send_total{service=\"teacher\"}",
                "kafka_consumer_fetch_manager_records_consumed_total{service=\"student\"}",
                "kafka_stream_thread_process_total");
        Map<String, Double> values = new TreeMap<>();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                for (String q : keySeries) {
                    values.put(q, prometheus.maxValue(q));
                }
                assertThat(values).as("Prometheus answers (targets: " + prometheus.targetsSummary() + ")")
                        .allSatisfy((q, v) -> assertThat(v).as(q).isFinite().isGreaterThan(0)); // NaN compares as greater
            });
        } finally {
            System.out.println("observability: Prometheus answers " + values);
        }
        // the consumer-lag series the dashboard shows exists for every service that consumes (0 is a fine value)
        assertThat(queryQuietly("count by (service) (kafka_consumer_fetch_manager_records_lag_max)"))
                .contains("teacher", "student");
    }

    @Test
    void everyGrafanaPanelQueriesOnlyMetricsTheServicesExport() throws Exception {
        // Given the provisioned dashboards and what the three services export once the loop has run
        List<Path> dashboards;
        try (var files = Files.list(GRAFANA_DASHBOARDS)) {
            dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(dashboards).as("dashboards in " + GRAFANA_DASHBOARDS.toAbsolutePath()).isNotEmpty();
        Set<String> exported = new TreeSet<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            exported.clear();
            for (int port : List.of(teacherPort, studentPort, edgePort)) {
                exported.addAll(metricNames(get(port, "/metrics").body()));
            }
            // meters that appear only once something happened (a publication, a fleet report, an applied update)
            assertThat(exported).contains("distill_checkpoint_version", "distill_edge_fleet_devices",
                    "distill_edge_updates_total");
        });
        System.out.println("observability: exported kafka_* series " + exported.stream()
                .filter(n -> n.startsWith("kafka_consumer_fetch_manager_records_lag")
                        || n.startsWith("kafka_stream_thread_process")).toList());

        // When every panel's queries are read
        List<String> problems = new ArrayList<>();
        int queries = 0;
        for (Path file : dashboards) {
            for (JsonNode target : targets(JSON.readTree(file.toFile()))) {
                String expr = target.path("expr").asText();
                queries++;
                try {
                    prometheus.query(expr); // parses and evaluates: a typo in PromQL fails here
                } catch (IllegalStateException e) {
                    problems.add(file.getFileName() + ": " + e.getMessage());
                }
                for (String name : PromQl.metricNames(expr)) {
                    // "up" is written by Prometheus itself, not by a service
                    if (!exported.contains(name) && !name.equals("up")) {
                        problems.add(file.getFileName() + ": '" + expr + "' uses " + name
                                + ", which no service exports");
                    }
                }
            }
        }

        // Then each names only exported series and Prometheus accepts it
        assertThat(queries).isGreaterThan(10);
        assertThat(problems).isEmpty();
    }

    @Test
    void dashboardPageDrawsEveryChartWithPointsInHeadlessChromium() throws Exception {
        // Given a student that has sampled the loop for a while (accuracy known, a version published, a fleet seen)
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            JsonNode d = JSON.readTree(get(studentPort, "/dashboard/data").body());
            assertThat(d.get("t").size()).isGreaterThanOrEqualTo(5);
            assertThat(nonNull(d.get("series").get("studentAccuracy"))).isGreaterThanOrEqualTo(3);
            assertThat(nonNull(d.get("series").get("checkpointVersion"))).isGreaterThanOrEqualTo(1);
            assertThat(d.get("fleet").size()).isGreaterThanOrEqualTo(1);
        });
        String url = "http://localhost:" + studentPort + "/dashboard";
        HeadlessChromium chromium = new HeadlessChromium(dir);

        // When Chromium loads the page and lets its scripts run
        String dom = chromium.dumpDom(url, 5000);

        // Then the page read its data and every chart drew points
        assertThat(attribute(dom, "body", "data-status")).as(dom).isEqualTo("ok");
        Map<String, Integer> points = new TreeMap<>();
        Matcher m = Pattern.compile("<canvas id=\"chart-([a-z]+)\"[^>]*data-points=\"(\\d+)\"").matcher(dom);
        while (m.find()) {
            points.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        System.out.println("observability: dashboard chart points " + points);
        assertThat(points).containsOnlyKeys("accuracy", "agreement", "loss", "throughput", "checkpoints", "fleet");
        assertThat(points).allSatisfy((chart, n) -> assertThat(n).as(chart).isGreaterThan(0));

        // and a screenshot for the README (-Ddistill.dashboard.screenshot=../docs/dashboard.png refreshes the docs)
        Path png = Path.of(System.getProperty("distill.dashboard.screenshot", dir.resolve("dashboard.png").toString()));
        chromium.screenshot(url, png, 1400, 760, 5000);
        assertThat(Files.size(png)).isGreaterThan(10_000);
        System.out.println("observability: dashboard screenshot at " + png.toAbsolutePath());
    }

    // ---------------------------------------------------------------------------------------------------------------

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private String queryQuietly(String promql) {
        try {
            return prometheus.query(promql).toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Metric names in Prometheus text format: the token before '{' or ' ' of each sample line. */
    static Set<String> metricNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    private static List<JsonNode> targets(JsonNode dashboard) {
        List<JsonNode> targets = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panel.path("targets").forEach(targets::add);
            for (JsonNode nested : panel.path("panels")) { // panels inside collapsed rows
                nested.path("targets").forEach(targets::add);
            }
        }
        return targets;
    }

    private static int nonNull(JsonNode values) {
        int n = 0;
        for (JsonNode v : values) {
            n += v.isNull() ? 0 : 1;
        }
        return n;
    }

    private static String attribute(String html, String tag, String name) {
        Matcher m = Pattern.compile("<" + tag + "\\b[^>]*\\b" + name + "=\"([^\"]*)\"").matcher(html);
        return m.find() ? m.group(1) : null;
    }

    private int port(String printed, Pattern pattern) {
        Matcher m = pattern.matcher(printed);
        assertThat(m.find()).as("'" + pattern + "' in the local stack's output:\n" + printed).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static void provisionTopics(DistillConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).provision(DistillTopics.from(config));
        }
    }

    private void startReplay(DistillConfig config) {
        LabelledImages images = FashionMnist.load(config.datasetDir(), Split.TEST);
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "observability-replay");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        // 10 000 test images at 120/s outlast the checks; labels 4 s after their events, so that a teacher slowed
        // down by a loaded machine has scored them (otherwise teacher accuracy and agreement have nothing to count)
        replay = new FashionMnistReplay(images, new ReplaySettings(Split.TEST, 120, 0, null, Duration.ofSeconds(4),
                1.0, Encoding.BINARY, "obs" + Long.toString(System.currentTimeMillis(), 36), 7), producer,
                config.getString(DistillConfig.TOPIC_EVENTS), config.getString(DistillConfig.TOPIC_LABELS),
                Clock.systemUTC());
        replayThread = new Thread(() -> {
            try (producer) {
                // one undecodable event first, so that the dead-letter series exist as they do in production
                producer.send(new ProducerRecord<>(config.getString(DistillConfig.TOPIC_EVENTS),
                        "observability-garbage".getBytes(StandardCharsets.UTF_8),
                        "{not an event".getBytes(StandardCharsets.UTF_8)));
                replay.run(stats -> { });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "observability-replay");
        replayThread.setDaemon(true);
        replayThread.start();
    }

    /** The user's {@code --set} values in a test: defaults, then these overrides, then the forced settings. */
    private static final class Overrides implements ServiceConfigs {
        private final Map<String, String> overrides;

        Overrides(Map<String, String> overrides) {
            this.overrides = overrides;
        }

        @Override
        public <C> C load(ConfigDef definition, Function<Map<String, Object>, C> factory, Map<String, String> defaults,
                Map<String, String> forced) {
            Map<String, Object> props = new HashMap<>(defaults);
            overrides.forEach((k, v) -> {
                if (definition.names().contains(k)) {
                    props.put(k, v);
                }
            });
            props.putAll(forced);
            return factory.apply(props);
        }
    }
}
