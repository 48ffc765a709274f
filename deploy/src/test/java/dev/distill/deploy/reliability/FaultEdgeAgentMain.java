package dev.distill.deploy.reliability;

import dev.distill.common.signing.Ed25519Keys;
import dev.distill.edge.EdgeAgent;
import dev.distill.edge.EdgeAgentConfig;
import dev.distill.edge.Prediction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * An edge agent for the fault-injection suite: the real {@link EdgeAgent} (polling the student's update API with
 * backoff) plus a loop that predicts all the time, like a device serving traffic while it updates. Every 200 ms it
 * replaces {@code --status-file} (atomically) with its counts, so the test can read them while the agent runs and
 * after the update server went away:
 * {@code serving, version, predictions, failed, rejected, last.failure}.
 *
 * <p>A failed prediction is one that throws or returns non-finite or wrongly sized logits once a model is being
 * served; before the first model arrives there is nothing to predict with, so the loop waits.
 *
 * <p>Arguments: {@code --server=URL --model=NAME --device-id=ID --public-key=FILE --status-file=FILE}.
 */
public final class FaultEdgeAgentMain {

    private static final int CLASSES = 10;
    private static final int FEATURES = 784;

    private FaultEdgeAgentMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("argument '" + a + "' is not --key=value");
            }
            opts.put(a.substring(2, eq), a.substring(eq + 1));
        }
        Path statusFile = Path.of(require(opts, "status-file"));
        // Short poll and backoff so that an agent notices a new version (or a returning server) within seconds.
        EdgeAgentConfig config = EdgeAgentConfig.of(URI.create(require(opts, "server")), require(opts, "model"),
                        require(opts, "device-id"), Ed25519Keys.readPublicKey(Path.of(require(opts, "public-key"))))
                .withPolling(Duration.ofMillis(700), Duration.ofMillis(200), Duration.ofSeconds(2));
        EdgeAgent agent = new EdgeAgent(config, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
                status -> { }, new SimpleMeterRegistry(), Clock.systemUTC(), new Random());
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "fault-agent-stop"));
        agent.start();

        float[] input = new float[FEATURES];
        Random random = new Random(7);
        for (int i = 0; i < input.length; i++) {
            input[i] = random.nextFloat();
        }
        long predictions = 0;
        long failed = 0;
        String lastFailure = "";
        long nextWrite = 0;
        while (true) {
            if (agent.isServing()) {
                try {
                    Prediction p = agent.predict(input);
                    float[] logits = p.logits();
                    boolean finite = logits.length == CLASSES;
                    for (float v : logits) {
                        finite &= Float.isFinite(v);
                    }
                    if (finite) {
                        predictions++;
                    } else {
                        failed++;
                        lastFailure = "v" + p.version() + " gave " + logits.length + " logits, not all finite";
                    }
                } catch (RuntimeException e) {
                    failed++;
                    lastFailure = e.toString();
                }
            }
            long now = System.currentTimeMillis();
            if (now >= nextWrite) {
                write(statusFile, agent, predictions, failed, lastFailure);
                nextWrite = now + 200;
            }
            Thread.sleep(20);
        }
    }

    private static void write(Path file, EdgeAgent agent, long predictions, long failed, String lastFailure) {
        Properties p = new Properties();
        p.setProperty("serving", Boolean.toString(agent.isServing()));
        p.setProperty("version", Long.toString(agent.servingVersion()));
        p.setProperty("predictions", Long.toString(predictions));
        p.setProperty("failed", Long.toString(failed));
        p.setProperty("rejected", Long.toString(agent.rejectedCount()));
        p.setProperty("last.failure", lastFailure);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, null);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write agent status " + file, e);
        }
    }

    /** The counts an agent last wrote, or null before its first write. */
    static Properties read(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read agent status " + file, e);
        }
    }

    private static String require(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing --" + key + "=...");
        }
        return v;
    }
}
