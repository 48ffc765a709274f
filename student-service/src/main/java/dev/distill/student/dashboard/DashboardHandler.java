package dev.distill.student.dashboard;

import static dev.distill.common.metrics.ServiceHttpServer.respond;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The live dashboard: {@code GET /dashboard} is a self-contained HTML page (inline JS drawing on canvas, no external
 * resources, so it works offline) that polls {@code GET /dashboard/data}, a JSON time series in columns:
 * {@code {"model":"student","intervalMillis":2000,"t":[...],"series":{"studentAccuracy":[...],...},
 * "fleet":{"v3":2,"v4":1}}} with {@code null} where a value is not known yet. The fleet's history is summarised per
 * sample (devices, newest and oldest version, devices on the newest) so the answer stays small however many versions
 * were published; {@code fleet} is the latest sample's devices per version.
 */
public final class DashboardHandler implements HttpHandler {

    public static final String PATH = "/dashboard";
    public static final String DATA_PATH = PATH + "/data";
    static final String PAGE_RESOURCE = "dashboard.html";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Series> SERIES = List.of(
            new Series("studentAccuracy", DashboardSample::studentAccuracy),
            new Series("teacherAccuracy", DashboardSample::teacherAccuracy),
            new Series("publishedAccuracy", DashboardSample::publishedAccuracy),
            new Series("agreement", DashboardSample::agreement),
            new Series("softLoss", DashboardSample::softLoss),
            new Series("hardLoss", DashboardSample::hardLoss),
            new Series("examplesPerSecond", DashboardSample::examplesPerSecond),
            new Series("labelsPerSecond", DashboardSample::labelsPerSecond),
            new Series("checkpointVersion", DashboardSample::checkpointVersion),
            new Series("published", DashboardSample::published),
            new Series("heldBack", DashboardSample::heldBack),
            new Series("fleetDevices", p -> p.fleet().values().stream().mapToLong(Long::longValue).sum()),
            new Series("fleetNewestVersion", p -> fleetVersion(p, true)),
            new Series("fleetOldestVersion", p -> fleetVersion(p, false)),
            new Series("fleetOnNewest", DashboardHandler::devicesOnNewest));

    private record Series(String name, ToDoubleFunction<DashboardSample> value) {}

    private final Supplier<List<DashboardSample>> samples;
    private final String model;
    private final long intervalMillis;
    private final byte[] page;

    public DashboardHandler(Supplier<List<DashboardSample>> samples, String model, long intervalMillis) {
        this.samples = Objects.requireNonNull(samples, "samples");
        this.model = Objects.requireNonNull(model, "model");
        this.intervalMillis = intervalMillis;
        this.page = loadPage();
    }

    /** Serves the sampler's series for {@code model}. */
    public static DashboardHandler of(DashboardSampler sampler, String model) {
        return new DashboardHandler(sampler::samples, model, sampler.interval().toMillis());
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            respond(ex, 405, "text/plain; charset=utf-8", "use GET".getBytes(StandardCharsets.UTF_8));
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (PATH.equals(path) || (PATH + "/").equals(path)) {
            respond(ex, 200, "text/html; charset=utf-8", page);
        } else if (DATA_PATH.equals(path)) {
            respond(ex, 200, "application/json", data(samples.get()));
        } else {
            respond(ex, 404, "text/plain; charset=utf-8", ("no such resource " + path + "; use GET " + PATH
                    + " (page) or GET " + DATA_PATH + " (JSON)").getBytes(StandardCharsets.UTF_8));
        }
    }

    byte[] data(List<DashboardSample> points) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model);
        root.put("intervalMillis", intervalMillis);
        ArrayNode t = root.putArray("t");
        points.forEach(p -> t.add(p.epochMillis()));
        ObjectNode series = root.putObject("series");
        for (Series s : SERIES) {
            ArrayNode values = series.putArray(s.name());
            for (DashboardSample p : points) {
                addNumber(values, s.value().applyAsDouble(p));
            }
        }
        ObjectNode fleet = root.putObject("fleet");
        if (!points.isEmpty()) {
            points.get(points.size() - 1).fleet().forEach(fleet::put);
        }
        return JSON.writeValueAsBytes(root);
    }

    /** Newest or oldest version that devices serve ({@code v12} → 12), NaN when none serves a version. */
    static double fleetVersion(DashboardSample p, boolean newest) {
        double v = Double.NaN;
        for (String key : p.fleet().keySet()) {
            long n = versionNumber(key);
            if (n >= 0 && (Double.isNaN(v) || (newest ? n > v : n < v))) {
                v = n;
            }
        }
        return v;
    }

    private static double devicesOnNewest(DashboardSample p) {
        double newest = fleetVersion(p, true);
        if (Double.isNaN(newest)) {
            return p.fleet().isEmpty() ? Double.NaN : 0;
        }
        return p.fleet().getOrDefault("v" + (long) newest, 0L);
    }

    /** FleetView counts devices under {@code v<version>}, or {@code none} before their first model: -1 for that. */
    private static long versionNumber(String key) {
        if (key.length() > 1 && key.charAt(0) == 'v') {
            try {
                return Long.parseLong(key.substring(1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    private static void addNumber(ArrayNode array, double v) {
        if (Double.isFinite(v)) {
            array.add(v);
        } else {
            array.addNull(); // JSON has no NaN
        }
    }

    private static byte[] loadPage() {
        try (InputStream in = DashboardHandler.class.getResourceAsStream(PAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("dashboard page " + PAGE_RESOURCE + " is missing from the classpath"
                        + " next to " + DashboardHandler.class.getName() + "; rebuild student-service");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard page " + PAGE_RESOURCE, e);
        }
    }
}
