package dev.distill.student.fleet;

import static dev.distill.common.metrics.ServiceHttpServer.respond;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code GET /fleet}: {@code {"devices":5,"versions":{"v2":3,"v3":2},"updatedAt":"2026-...Z"}}, with
 * {@code updatedAt} the time the counts last changed ({@code null} before any report was read). Counts only, no device
 * ids, so it needs no more protection than {@code /metrics}.
 */
public final class FleetHttpHandler implements HttpHandler {

    public static final String PATH = "/fleet";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<FleetView.Snapshot> snapshots;

    public FleetHttpHandler(Supplier<FleetView.Snapshot> snapshots) {
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!PATH.equals(path) && !(PATH + "/").equals(path)) {
            respond(ex, 404, "text/plain; charset=utf-8", ("no such resource " + path + "; use GET " + PATH)
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            respond(ex, 405, "text/plain; charset=utf-8", "use GET".getBytes(StandardCharsets.UTF_8));
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        respond(ex, 200, "application/json", body(snapshots.get()));
    }

    static byte[] body(FleetView.Snapshot s) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("devices", s.devices());
        ObjectNode versions = root.putObject("versions");
        for (Map.Entry<String, Long> e : s.versions().entrySet()) {
            versions.put(e.getKey(), e.getValue());
        }
        if (s.updatedAt() > 0) {
            root.put("updatedAt", Instant.ofEpochMilli(s.updatedAt()).toString());
        } else {
            root.putNull("updatedAt");
        }
        return JSON.writeValueAsBytes(root);
    }
}
