package dev.distill.student.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.common.metrics.DistillMeterRegistries;
import dev.distill.common.metrics.ServiceHttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DashboardHandlerTest {

    private static final double NAN = Double.NaN;

    private final HttpClient client = HttpClient.newHttpClient();
    private final List<DashboardSample> samples = new ArrayList<>();
    private PrometheusMeterRegistry registry;
    private ServiceHttpServer server;

    @BeforeEach
    void start() {
        registry = DistillMeterRegistries.bare("student");
        server = ServiceHttpServer.start(0, registry);
        server.addHandler(DashboardHandler.PATH, new DashboardHandler(() -> List.copyOf(samples), "student", 2000));
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheSeriesAsJsonColumnsWithNullWhereAValueIsUnknown() throws Exception {
        // Given a first sample before any label and a second after a publication, with devices moving v1 -> v2
        samples.add(new DashboardSample(1000, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0, Map.of("v1", 2L)));
        samples.add(new DashboardSample(3000, 0.7, 0.8, 0.72, 0.75, 0.4, 1.2, 250, 100, 2, 1, 3,
                Map.of("v1", 1L, "v2", 1L)));

        // When the page's data is requested
        HttpResponse<String> response = get(DashboardHandler.DATA_PATH);

        // Then every series is a column aligned with t, unknowns are null, and each version has a device column
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode d = new ObjectMapper().readTree(response.body());
        assertThat(d.get("model").asText()).isEqualTo("student");
        assertThat(d.get("intervalMillis").asLong()).isEqualTo(2000);
        assertThat(d.get("t").toString()).isEqualTo("[1000,3000]");
        assertThat(d.get("series").get("studentAccuracy").toString()).isEqualTo("[null,0.7]");
        assertThat(d.get("series").get("teacherAccuracy").toString()).isEqualTo("[null,0.8]");
        assertThat(d.get("series").get("publishedAccuracy").toString()).isEqualTo("[null,0.72]");
        assertThat(d.get("series").get("examplesPerSecond").toString()).isEqualTo("[null,250.0]");
        assertThat(d.get("series").get("checkpointVersion").toString()).isEqualTo("[null,2.0]");
        assertThat(d.get("series").get("heldBack").toString()).isEqualTo("[0.0,3.0]");
        assertThat(d.get("series").get("fleetDevices").toString()).isEqualTo("[2.0,2.0]");
        assertThat(d.get("series").get("fleetNewestVersion").toString()).isEqualTo("[1.0,2.0]");
        assertThat(d.get("series").get("fleetOldestVersion").toString()).isEqualTo("[1.0,1.0]");
        assertThat(d.get("series").get("fleetOnNewest").toString()).isEqualTo("[2.0,1.0]");
        assertThat(d.get("fleet").toString()).as("the latest devices per version")
                .isEqualTo("{\"v1\":1,\"v2\":1}");
    }

    @Test
    void summarisesAFleetThatHasNoVersionYetWithoutInventingOne() throws Exception {
        // Given devices that report but serve no model yet
        samples.add(new DashboardSample(1000, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0, Map.of("none", 3L)));

        // When the data is requested
        JsonNode d = new ObjectMapper().readTree(get(DashboardHandler.DATA_PATH).body());

        // Then the devices count, but no version does
        assertThat(d.get("series").get("fleetDevices").toString()).isEqualTo("[3.0]");
        assertThat(d.get("series").get("fleetNewestVersion").toString()).isEqualTo("[null]");
        assertThat(d.get("series").get("fleetOnNewest").toString()).isEqualTo("[0.0]");
    }

    @Test
    void servesASelfContainedPageThatPollsItsDataEndpoint() throws Exception {
        // When the page is requested
        HttpResponse<String> response = get(DashboardHandler.PATH);

        // Then it is HTML that loads nothing from elsewhere (works offline) and reads /dashboard/data
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(response.body())
                .contains("<canvas id=\"chart-accuracy\"", "<canvas id=\"chart-fleet\"", "\"/data\"")
                .doesNotContainPattern("(src|href)=\"(https?:)?//")
                .doesNotContain("@import");
    }

    @Test
    void answersUnknownPathsUnderTheDashboardWith404AndWritesWith405() throws Exception {
        assertThat(get("/dashboard/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + server.port() + DashboardHandler.DATA_PATH))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }
}
