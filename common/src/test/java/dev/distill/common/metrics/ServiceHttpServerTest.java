package dev.distill.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceHttpServerTest {

    private final HttpClient client = HttpClient.newHttpClient();
    private PrometheusMeterRegistry registry;
    private ServiceHttpServer server;

    @BeforeEach
    void start() {
        registry = DistillMeterRegistries.prometheus("teacher");
        server = ServiceHttpServer.start(0, registry);
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesPrometheusTextWithServiceTag() throws Exception {
        MetricNames.TEACHER_EVENTS.counter(registry, "teacher", "mlp", "outcome", "scored").increment(3);

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
        assertThat(response.body())
                .contains("distill_teacher_events_total{outcome=\"scored\",service=\"teacher\",teacher=\"mlp\"} 3.0")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void healthIsUpWhileTheProcessLives() throws Exception {
        HttpResponse<String> response = get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("UP");
    }

    @Test
    void readyOnlyWhenEveryCheckPassesAndNamesTheFailingOnes() throws Exception {
        AtomicBoolean consumerAssigned = new AtomicBoolean(false);
        server.addReadinessCheck("model-loaded", () -> true);
        server.addReadinessCheck("consumer-assigned", consumerAssigned::get);
        server.addReadinessCheck("broken", () -> {
            throw new IllegalStateException("boom");
        });

        HttpResponse<String> notReady = get("/ready");

        assertThat(notReady.statusCode()).isEqualTo(503);
        JsonNode body = new ObjectMapper().readTree(notReady.body());
        assertThat(body.get("failing")).extracting(JsonNode::asText).containsExactly("consumer-assigned", "broken");
        assertThat(body.at("/errors/broken").asText()).contains("boom");

    }

    @Test
    void readyTurnsOkOnceEveryCheckPasses() throws Exception {
        AtomicBoolean caughtUp = new AtomicBoolean(false);
        server.addReadinessCheck("caught-up", caughtUp::get);
        assertThat(get("/ready").statusCode()).isEqualTo(503);

        caughtUp.set(true);
        HttpResponse<String> ready = get("/ready");

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(ready.body()).get("status").asText()).isEqualTo("READY");
    }

    @Test
    void readyWithoutChecksIsReady() throws Exception {
        assertThat(get("/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void servesHandlersAddedByTheService() throws Exception {
        server.addHandler("/dashboard", ex -> {
            byte[] body = "<h1>distill</h1>".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/html");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });

        HttpResponse<String> response = get("/dashboard");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("<h1>distill</h1>");
    }
}
