package dev.distill.edge;

import dev.distill.common.event.EdgeStatus;
import dev.distill.common.metrics.DistillMeterRegistries;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.signing.Ed25519Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one edge agent: {@code --server=URL --model=NAME --device-id=ID --public-key=FILE [--token-file=FILE]
 * [--poll-seconds=30] [--bootstrap-servers=HOST:PORT --status-topic=distill.edge-status] [--kafka-config=FILE]
 * [--http-port=N]}. {@code --kafka-config} is a properties file of Kafka client settings for the status producer
 * (e.g. {@code security.protocol=SASL_SSL}, {@code sasl.mechanism}, {@code sasl.jaas.config}, trust store; may also
 * hold {@code bootstrap.servers}). Without bootstrap servers status reports go to the log. With {@code --http-port}
 * (0 = any free port) the agent serves {@code /metrics} (Prometheus, {@code service=edge}), {@code /health} and
 * {@code /ready} (ready once it serves a model).
 */
public final class EdgeAgentMain {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeAgentMain.class);

    private EdgeAgentMain() {}

    public static void main(String[] args) throws Exception {
        try (EdgeAgent agent = run(args)) {
            Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "edge-agent-stop"));
            new CountDownLatch(1).await();
        }
    }

    /** Parses arguments and starts an agent polling in the background; the caller closes it. */
    public static EdgeAgent run(String[] args) throws IOException {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("argument '" + a + "' is not --key=value; see EdgeAgentMain's usage");
            }
            opts.put(a.substring(2, eq), a.substring(eq + 1));
        }
        String token = opts.containsKey("token-file")
                ? Files.readString(Path.of(opts.get("token-file"))).strip() : null;
        Duration poll = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("poll-seconds", "30")));
        EdgeAgentConfig config = EdgeAgentConfig.of(URI.create(require(opts, "server")), require(opts, "model"),
                        require(opts, "device-id"), Ed25519Keys.readPublicKey(Path.of(require(opts, "public-key"))))
                .withToken(token).withPolling(poll, Duration.ofSeconds(1), Duration.ofMinutes(5));
        StatusReporter reporter;
        Map<String, Object> kafka = opts.containsKey("kafka-config")
                ? kafkaConfig(Path.of(opts.get("kafka-config"))) : new HashMap<>();
        if (opts.containsKey("bootstrap-servers")) {
            kafka.put("bootstrap.servers", opts.get("bootstrap-servers"));
        }
        if (kafka.containsKey("bootstrap.servers")) {
            reporter = new KafkaStatusReporter(kafka, opts.getOrDefault("status-topic", "distill.edge-status"));
        } else {
            reporter = (EdgeStatus s) -> LOG.info("status {}", s);
        }
        if (!opts.containsKey("http-port")) {
            EdgeAgent agent = new EdgeAgent(config, HttpClient.newHttpClient(), reporter, new SimpleMeterRegistry(),
                    Clock.systemUTC(), new Random());
            agent.start();
            return agent;
        }
        PrometheusMeterRegistry registry = DistillMeterRegistries.prometheus("edge");
        ServiceHttpServer http = ServiceHttpServer.start(httpPort(opts.get("http-port")), registry);
        // the agent closes its reporter when it closes: tying the HTTP server to it keeps run()'s contract
        // (the caller closes the agent, nothing else) and frees the port with the agent
        StatusReporter statusAndHttp = new StatusReporter() {
            @Override
            public void report(EdgeStatus status) {
                reporter.report(status);
            }

            @Override
            public void close() {
                try {
                    reporter.close();
                } finally {
                    http.close();
                    registry.close();
                }
            }
        };
        EdgeAgent agent;
        try {
            agent = new EdgeAgent(config, HttpClient.newHttpClient(), statusAndHttp, registry, Clock.systemUTC(),
                    new Random());
        } catch (RuntimeException e) {
            statusAndHttp.close();
            throw e;
        }
        http.addReadinessCheck("model-serving", agent::isServing);
        agent.start();
        LOG.info("edge agent {}: /metrics /health /ready on port {}", config.deviceId(), http.port());
        return agent;
    }

    private static int httpPort(String value) {
        try {
            int port = Integer.parseInt(value.strip());
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted range
        }
        throw new IllegalArgumentException("--http-port=" + value + " is not a port; use 0..65535 (0 picks a free"
                + " one) for /metrics /health /ready, or leave the option out to serve no HTTP");
    }

    /**
     * Kafka client settings of the status producer from a properties file ({@code security.protocol},
     * {@code sasl.*}, {@code ssl.*}, {@code bootstrap.servers}, ...), as Kafka's own tools read
     * {@code --command-config}. Values are never logged: the file holds credentials.
     */
    static Map<String, Object> kafkaConfig(Path file) throws IOException {
        java.util.Properties props = new java.util.Properties();
        try (java.io.Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("--kafka-config=" + file + ": no such file", e);
        }
        Map<String, Object> out = new HashMap<>();
        props.stringPropertyNames().forEach(k -> out.put(k, props.getProperty(k)));
        return out;
    }

    private static String require(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing --" + key + "=...");
        }
        return v;
    }
}
