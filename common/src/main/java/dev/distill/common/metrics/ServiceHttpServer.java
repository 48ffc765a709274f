package dev.distill.common.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints every service has: {@code /metrics} (Prometheus text), {@code /health} (liveness: 200 while
 * the process lives) and {@code /ready} (200 when every readiness check passes, else 503 with a JSON body naming the
 * failing checks). Services add their own endpoints with {@link #addHandler}.
 */
public final class ServiceHttpServer implements AutoCloseable {

    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(ServiceHttpServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final Map<String, BooleanSupplier> readinessChecks = new LinkedHashMap<>();

    private ServiceHttpServer(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
    }

    /**
     * Starts on all interfaces.
     *
     * @param port 0 for a free port; use {@link #startIfEnabled} to honour {@code http.port=-1}
     */
    public static ServiceHttpServer start(int port, PrometheusMeterRegistry registry) {
        return start(new InetSocketAddress(port), registry);
    }

    /** Starts unless {@code port} is -1 (the {@code http.port} value that turns the server off). */
    public static Optional<ServiceHttpServer> startIfEnabled(int port, PrometheusMeterRegistry registry) {
        return port == -1 ? Optional.empty() : Optional.of(start(port, registry));
    }

    public static ServiceHttpServer start(InetSocketAddress address, PrometheusMeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (address.getPort() < 0 || address.getPort() > 65_535) {
            throw new IllegalArgumentException("HTTP port must be 0..65535, got " + address.getPort());
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on " + address + " for /metrics, /health, /ready: "
                    + e.getMessage() + " (set http.port to a free port, 0 for any, or -1 to turn HTTP off)", e);
        }
        AtomicInteger n = new AtomicInteger();
        // more than one thread so that a slow scrape or service handler never delays /health
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "distill-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        ServiceHttpServer s = new ServiceHttpServer(server, executor, registry);
        s.addHandler("/metrics", s::metrics);
        s.addHandler("/health", ex -> respond(ex, 200, "application/json", "{\"status\":\"UP\"}"));
        s.addHandler("/ready", s::ready);
        server.start();
        LOG.info("HTTP endpoints /metrics /health /ready on port {}", s.port());
        return s;
    }

    /** Adds a check that {@code /ready} evaluates on every request; a check that throws counts as failing. */
    public void addReadinessCheck(String name, BooleanSupplier check) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(check, "check");
        synchronized (readinessChecks) {
            if (readinessChecks.putIfAbsent(name, check) != null) {
                throw new IllegalArgumentException("readiness check '" + name + "' is already registered");
            }
        }
    }

    /** Serves {@code path} (and everything below it, as the JDK server matches prefixes) with {@code handler}. */
    public void addHandler(String path, HttpHandler handler) {
        server.createContext(path, ex -> {
            try (ex) {
                handler.handle(ex);
            } catch (RuntimeException | IOException e) {
                LOG.warn("HTTP handler for {} failed on {}", path, ex.getRequestURI(), e);
                throw e;
            }
        });
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            respond(ex, 405, "text/plain; charset=utf-8", "use GET");
            return;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 << 10);
        registry.scrape(body, PROMETHEUS_CONTENT_TYPE);
        respond(ex, 200, PROMETHEUS_CONTENT_TYPE, body.toByteArray());
    }

    private void ready(HttpExchange ex) throws IOException {
        Map<String, BooleanSupplier> checks;
        synchronized (readinessChecks) {
            checks = new LinkedHashMap<>(readinessChecks);
        }
        List<String> failing = new ArrayList<>();
        Map<String, String> errors = new LinkedHashMap<>();
        checks.forEach((name, check) -> {
            try {
                if (!check.getAsBoolean()) {
                    failing.add(name);
                }
            } catch (RuntimeException e) {
                failing.add(name);
                errors.put(name, e.toString());
            }
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", failing.isEmpty() ? "READY" : "NOT_READY");
        body.put("checks", new ArrayList<>(checks.keySet()));
        body.put("failing", failing);
        if (!errors.isEmpty()) {
            body.put("errors", errors);
        }
        respond(ex, failing.isEmpty() ? 200 : 503, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        respond(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code body} with its content type and length; a HEAD request gets the headers only. */
    public static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
