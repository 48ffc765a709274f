package dev.distill.deploy.cli;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.deploy.replay.FashionMnistReplay;
import dev.distill.deploy.replay.ReplaySettings;
import dev.distill.deploy.replay.ReplayStats;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Runs a Fashion-MNIST replay against the configured cluster, stopping cleanly on Ctrl-C: the replay stops, then
 * {@code finish} runs (e.g. summary and shutdown of the services) before the JVM is let go.
 */
final class Replays {

    private Replays() {}

    static ReplayStats run(DistillConfig config, ReplaySettings settings, ReplayConsole console,
            Consumer<ReplayStats> finish) throws InterruptedException {
        LabelledImages images = FashionMnist.load(config.datasetDir(), settings.split());
        Map<String, Object> props = FashionMnistReplay.producerProperties(config, "distill-replay");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            FashionMnistReplay replay = new FashionMnistReplay(images, settings, producer,
                    config.getString(DistillConfig.TOPIC_EVENTS), config.getString(DistillConfig.TOPIC_LABELS), Clock.systemUTC());
            CountDownLatch done = new CountDownLatch(1);
            Thread onCtrlC = new Thread(() -> {
                replay.stop();
                try {
                    done.await(60, TimeUnit.SECONDS); // let the summary print and services stop before the JVM goes
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "distill-replay-stop");
            Runtime.getRuntime().addShutdownHook(onCtrlC);
            try {
                ReplayStats stats = replay.run(console::progress);
                finish.accept(stats);
                return stats;
            } finally {
                done.countDown();
                removeHook(onCtrlC);
            }
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: Ctrl-C ended the replay
        }
    }
}
