package dev.distill.deploy.cli;

import dev.distill.edge.EdgeAgent;
import dev.distill.edge.EdgeAgentMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs one edge agent until Ctrl-C. */
@Command(name = "edge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run an edge agent.",
                "Polls the student's update API, verifies each new checkpoint (SHA-256 and Ed25519 signature)",
                "before anything else, checks it on a local probe, hot-swaps it while serving, keeps the previous",
                "version for rollback, and reports its status. A bad artifact is rejected and the agent keeps",
                "serving what it has."})
public final class EdgeCommand implements Callable<Integer> {

    @Option(names = "--server", required = true, paramLabel = "URL", description = "Update API base URL, e.g. http://localhost:8080.")
    String server;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name to follow.")
    String model;

    @Option(names = "--device-id", required = true, paramLabel = "ID", description = "This device's id (also decides staged rollouts).")
    String deviceId;

    @Option(names = "--public-key", required = true, paramLabel = "FILE", description = "Ed25519 public key that signs checkpoints (PEM).")
    Path publicKey;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Bearer token for the update API, if it requires one.")
    Path tokenFile;

    @Option(names = "--poll-seconds", defaultValue = "30", description = "Poll interval (default: ${DEFAULT-VALUE}).")
    long pollSeconds;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Report status to Kafka; without it, status goes to the log.")
    String bootstrapServers;

    @Option(names = "--status-topic", defaultValue = "distill.edge-status", description = "Status topic (default: ${DEFAULT-VALUE}).")
    String statusTopic;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties for the status producer (security.protocol, sasl.*, ssl.*).")
    Path kafkaConfig;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve /metrics, /health and /ready on this port (0 picks a free one); without it, none.")
    Integer httpPort;

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(List.of("--server=" + server, "--model=" + model, "--device-id=" + deviceId,
                "--public-key=" + publicKey, "--poll-seconds=" + pollSeconds, "--status-topic=" + statusTopic));
        if (tokenFile != null) {
            args.add("--token-file=" + tokenFile);
        }
        if (bootstrapServers != null) {
            args.add("--bootstrap-servers=" + bootstrapServers);
        }
        if (kafkaConfig != null) {
            args.add("--kafka-config=" + kafkaConfig);
        }
        if (httpPort != null) {
            args.add("--http-port=" + httpPort); // docs/metrics.md and deploy/prometheus scrape the agent here
        }
        EdgeAgent agent = EdgeAgentMain.run(args.toArray(String[]::new));
        System.out.printf("edge agent %s following model %s at %s%n", deviceId, model, server);
        return ServiceRun.untilStopped("edge agent", agent, timeout -> {
            Thread.sleep(timeout.toMillis());
            return false;
        }, java.util.Optional::empty);
    }
}
