package dev.distill.edge;

import dev.distill.common.event.EdgeStatus;
import dev.distill.common.signing.Ed25519Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * [--poll-seconds=30] [--bootstrap-servers=HOST:PORT --status-topic=distill.edge-status]}. Without bootstrap servers
 * status reports go to the log.
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
        if (opts.containsKey("bootstrap-servers")) {
            reporter = new KafkaStatusReporter(Map.of("bootstrap.servers", opts.get("bootstrap-servers")),
                    opts.getOrDefault("status-topic", "distill.edge-status"));
        } else {
            reporter = (EdgeStatus s) -> LOG.info("status {}", s);
        }
        EdgeAgent agent = new EdgeAgent(config, HttpClient.newHttpClient(), reporter, new SimpleMeterRegistry(),
                Clock.systemUTC(), new Random());
        agent.start();
        return agent;
    }

    private static String require(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing --" + key + "=...");
        }
        return v;
    }
}
