package dev.distill.deploy.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) as a child process, scraping the given targets every
 * second, with its TSDB in a temporary directory and its HTTP API on a free loopback port.
 */
final class PrometheusServer implements AutoCloseable {

    static final Path BINARY = Path.of(System.getProperty("distill.test.prometheus", "/usr/bin/prometheus"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts Prometheus scraping {@code jobs} (job name to host:port) and waits until its API answers. */
    static PrometheusServer start(Path dir, Map<String, String> jobs) throws IOException, InterruptedException {
        assertThat(Files.isExecutable(BINARY))
                .as("Prometheus is needed at " + BINARY + ": install Debian's 'prometheus' package "
                        + "(apt-get install prometheus; .ci/run does) or set -Ddistill.test.prometheus=/path/to/it")
                .isTrue();
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                + "  evaluation_interval: 1s\nscrape_configs:\n");
        jobs.forEach((job, target) -> config.append("  - job_name: ").append(job).append('\n')
                .append("    metrics_path: /metrics\n")
                .append("    static_configs:\n      - targets: [\"").append(target).append("\"]\n"));
        Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config.toString());
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + configFile,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!server.isReady()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String out = Files.exists(log) ? Files.readString(log) : "";
                server.close();
                throw new IllegalStateException("Prometheus did not become ready on port " + port + " (exit "
                        + (p.isAlive() ? "none, still running" : p.exitValue()) + "); its log:\n" + out);
            }
            Thread.sleep(200);
        }
        return server;
    }

    int port() {
        return port;
    }

    /** {@code /api/v1/query} for {@code promql}; fails on a non-success status (e.g. a query that does not parse). */
    JsonNode query(String promql) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("Prometheus rejected '" + promql + "': HTTP " + response.statusCode()
                    + " " + response.body());
        }
        return body.get("data");
    }

    /** The largest sample value of an instant query, or NaN when it returns no series. */
    double maxValue(String promql) throws IOException, InterruptedException {
        double max = Double.NaN;
        for (JsonNode series : query(promql).path("result")) {
            double v = Double.parseDouble(series.path("value").get(1).asText());
            if (!Double.isNaN(v) && (Double.isNaN(max) || v > max)) {
                max = v;
            }
        }
        return max;
    }

    /** Scrape health per job, as {@code /api/v1/targets} reports it. */
    String targetsSummary() throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/targets")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        StringBuilder sb = new StringBuilder();
        for (JsonNode t : JSON.readTree(response.body()).path("data").path("activeTargets")) {
            sb.append(t.path("labels").path("job").asText()).append('=').append(t.path("health").asText());
            if (!t.path("lastError").asText().isEmpty()) {
                sb.append(" (").append(t.path("lastError").asText()).append(')');
            }
            sb.append("; ");
        }
        return sb.toString();
    }

    private boolean isReady() {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
