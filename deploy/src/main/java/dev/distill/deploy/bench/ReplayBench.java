package dev.distill.deploy.bench;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.serde.BinaryEventWriter;
import dev.distill.common.serde.Encoding;
import dev.distill.deploy.replay.FashionMnistReplay;
import dev.distill.deploy.replay.ReplaySettings;
import dev.distill.deploy.replay.ReplayStats;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The replay producer unpaced against a plain {@code KafkaProducer} sending records of the same size (one prepared
 * value, no encoding at all) with the same producer settings before and after it, on one broker; ends with
 * {@code replay-bench plain_eps=… replay_eps=… ratio=… record_bytes=…}.
 */
public final class ReplayBench {

    private ReplayBench() {}

    /** Runs both, {@code events} each, plain first, on the cluster of {@code config}. */
    public static String run(DistillConfig config, LabelledImages images, int events, PrintStream out)
            throws Exception {
        int partitions = 3;
        String suffix = Long.toString(System.currentTimeMillis(), 36);
        String plainTopic = "bench.replay.plain." + suffix;
        String replayTopic = "bench.replay.events." + suffix;
        String labelsTopic = "bench.replay.labels." + suffix;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(plainTopic, partitions, (short) 1),
                    new NewTopic(replayTopic, partitions, (short) 1),
                    new NewTopic(labelsTopic, partitions, (short) 1))).all().get();
        }
        Map<String, Object> props = FashionMnistReplay.producerProperties(config, "distill-replay-bench");
        // the same value size as a replayed event: a frame of the first image with an id as long as the replay's
        float[] pixels = images.image(0);
        byte[] value = BinaryEventWriter.of(images.rows(), images.cols()).write("bench-train-0000000", 0L, pixels);
        // plain before and after the replay, averaged: the first run in a fresh JVM also pays for JIT warm-up
        double plainBefore = plain(props, plainTopic, value, events);
        out.printf(Locale.ROOT, "replay-bench: plain KafkaProducer, %d records of %d bytes: %.0f records/s%n",
                events, value.length, plainBefore);
        ReplaySettings settings = new ReplaySettings(Split.TRAIN, 1e9, events, null, Duration.ofSeconds(1), 0.5,
                Encoding.BINARY, "bench", 1);
        ReplayStats stats;
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            FashionMnistReplay replay = new FashionMnistReplay(images, settings, producer, replayTopic, labelsTopic,
                    Clock.systemUTC()).endless();
            stats = replay.run(s -> { });
        }
        double replay = stats.eventsPerSecond();
        out.printf(Locale.ROOT, "replay-bench: replay unpaced, %d events (binary, half of them labelled): %.0f events/s"
                + " (%d send errors)%n", stats.eventsSent(), replay, stats.sendErrors());
        double plainAfter = plain(props, plainTopic, value, events);
        double plain = (plainBefore + plainAfter) / 2;
        out.printf(Locale.ROOT, "replay-bench: plain KafkaProducer again: %.0f records/s; used: the mean, %.0f%n",
                plainAfter, plain);
        return String.format(Locale.ROOT, "replay-bench plain_eps=%.0f replay_eps=%.0f ratio=%.3f record_bytes=%d",
                plain, replay, replay / plain, value.length);
    }

    private static double plain(Map<String, Object> props, String topic, byte[] value, int events) {
        AtomicLong errors = new AtomicLong();
        List<Header> headers = List.of(new RecordHeader(Encoding.HEADER, Encoding.BINARY.headerBytes()));
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                byte[] key = ("bench-" + i).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, null, key, value, headers), (m, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                    }
                });
            }
            producer.flush();
            double eps = events / ((System.nanoTime() - start) / 1e9);
            if (errors.get() > 0) {
                throw new IllegalStateException(errors.get() + " plain sends failed");
            }
            return eps;
        }
    }
}
