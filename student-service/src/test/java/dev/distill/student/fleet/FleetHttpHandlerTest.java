package dev.distill.student.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.common.metrics.ServiceHttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FleetHttpHandlerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void servesDeviceCountsPerVersionAsJson() throws Exception {
        // Given a fleet snapshot of three devices
        AtomicReference<FleetView.Snapshot> snapshot = new AtomicReference<>(
                new FleetView.Snapshot(3, Map.of("v3", 2L, "none", 1L), 1_700_000_000_000L));
        try (ServiceHttpServer server = ServiceHttpServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            server.addHandler(FleetHttpHandler.PATH, new FleetHttpHandler(snapshot::get));

            // When /fleet is requested
            HttpResponse<String> r = get(server, "/fleet");

            // Then it answers the counts as JSON
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode json = new ObjectMapper().readTree(r.body());
            assertThat(json.get("devices").asInt()).isEqualTo(3);
            assertThat(json.get("versions").get("v3").asLong()).isEqualTo(2);
            assertThat(json.get("versions").get("none").asLong()).isEqualTo(1);
            assertThat(json.get("updatedAt").asText()).isEqualTo("2023-11-14T22:13:20Z");
        }
    }

    @Test
    void answersAnEmptyFleetWithNullUpdatedAtAndRejectsOtherMethodsAndPaths() throws Exception {
        try (ServiceHttpServer server = ServiceHttpServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            server.addHandler(FleetHttpHandler.PATH, new FleetHttpHandler(() -> new FleetView.Snapshot(0, Map.of(), 0)));

            JsonNode json = new ObjectMapper().readTree(get(server, "/fleet").body());
            assertThat(json.get("devices").asInt()).isZero();
            assertThat(json.get("versions").isEmpty()).isTrue();
            assertThat(json.get("updatedAt").isNull()).isTrue();

            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri(server, "/fleet"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(get(server, "/fleetx").statusCode()).isEqualTo(404);
        }
    }

    private static HttpResponse<String> get(ServiceHttpServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(server, path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(ServiceHttpServer server, String path) {
        return URI.create("http://localhost:" + server.port() + path);
    }
}
