package dev.distill.kafka.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one embedded broker until Ctrl-C, for poking at it with kcat or the Kafka CLI.
 *
 * <p>Arguments (all optional): {@code [port [logDir]]}. Without a log dir the data is deleted on exit.
 */
public final class EmbeddedKafkaMain {

    private EmbeddedKafkaMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
        if (args.length > 0) {
            builder.optPort(Integer.parseInt(args[0]));
        }
        if (args.length > 1) {
            builder.optLogDir(Path.of(args[1]));
        }
        EmbeddedKafkaBroker broker = builder.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "embedded-kafka-shutdown"));
        long startNanos = System.nanoTime();
        broker.start();
        System.out.println("bootstrap.servers=" + broker.bootstrapServers());
        System.out.printf("embedded broker ready in %d ms, log dir %s; Ctrl-C to stop%n",
                (System.nanoTime() - startNanos) / 1_000_000, broker.logDir());
        stopped.await();
    }
}
