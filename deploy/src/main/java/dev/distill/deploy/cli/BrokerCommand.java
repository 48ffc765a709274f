package dev.distill.deploy.cli;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.topic.DistillTopics;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A standalone embedded broker, e.g. to try the wire formats with kcat. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Run an embedded Kafka broker with the system's topics.",
                "A single-node KRaft broker that runs until Ctrl-C; handy for kcat (see docs/wire-format.md)."})
public final class BrokerCommand implements Callable<Integer> {

    @Mixin ConfigOptions config;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092",
            description = "Listener port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--kafka-dir", paramLabel = "DIR",
            description = "Keep the broker's data in DIR across runs (default: a temporary directory removed on exit).")
    Path kafkaDir;

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Integer call() throws Exception {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().optPort(port);
        if (kafkaDir != null) {
            builder.optLogDir(kafkaDir);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        try (EmbeddedKafkaBroker broker = builder.build().start()) {
            DistillConfig cfg = config.load(Map.of(DistillConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers()));
            Topics.provision(cfg, DistillTopics.from(cfg), System.out);
            System.out.println("bootstrap.servers=" + broker.bootstrapServers());
            System.out.println("Ctrl-C stops the broker.");
            // The JVM halts when its hooks end, so the hook waits until the broker has shut down cleanly.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopped.countDown();
                awaitQuietly(closed);
            }, "distill-broker-stop"));
            stopped.await();
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
