package dev.distill.common.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.testsupport.KafkaFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Debian's kcat (librdkafka) is the reference outside client: what it produces as JSON must decode here. */
class KcatInteropIT {

    private static final KafkaFixture kafka = KafkaFixture.shared();

    @BeforeAll
    static void kcatIsInstalled() {
        assertThat(Files.isExecutable(Path.of("/usr/bin/kcat")))
                .as("kcat is needed for this test: sudo apt-get install -y kcat").isTrue();
    }

    @Test
    void jsonEventProducedByKcatReadsBackWithTheSameIdAndFeatures() throws Exception {
        // Given a 28x28 event written as plain JSON text, as any client would
        String topic = kafka.uniqueTopic("events");
        kafka.createTopic(topic, 3);
        float[] features = new float[784];
        Random random = new Random(3);
        for (int i = 0; i < features.length; i++) {
            features[i] = random.nextInt(256) / 255f;
        }
        StringBuilder json = new StringBuilder("{\"id\":\"kcat-1\",\"timestamp\":1700000000000,\"shape\":[28,28],\"features\":[");
        for (int i = 0; i < features.length; i++) {
            json.append(i == 0 ? "" : ",").append(Float.toString(features[i])); // shortest text that round-trips
        }
        json.append("]}");

        // When kcat produces it with a key and the encoding header
        kcat(List.of("-b", kafka.bootstrapServers(), "-t", topic, "-K:", "-H", "distill-encoding=json", "-P"),
                "kcat-1:" + json + "\n");

        // Then our decoder reads the same id and features
        ConsumerRecord<byte[], byte[]> record = readOne(topic);
        Event event = new EventCodec(RecordLimits.of(10, 28, 28)).decode(record.value(), record.headers());
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("kcat-1");
        assertThat(event.id()).isEqualTo("kcat-1");
        assertThat(event.timestamp()).isEqualTo(1700000000000L);
        assertThat(event.shape()).containsExactly(28, 28);
        assertThat(event.features()).containsExactly(features);
    }

    @Test
    void jsonLabelProducedByKcatWithoutHeadersReadsBack() throws Exception {
        String topic = kafka.uniqueTopic("labels");
        kafka.createTopic(topic, 1);

        kcat(List.of("-b", kafka.bootstrapServers(), "-t", topic, "-K:", "-P"), "kcat-1:{\"label\":7,\"timestamp\":1700000005000}\n");

        ConsumerRecord<byte[], byte[]> record = readOne(topic);
        Label label = new LabelCodec(RecordLimits.of(10, 28, 28)).decode(record.value(), record.headers());
        assertThat(label).isEqualTo(new Label(7, 1700000005000L));
    }

    private static void kcat(List<String> args, String stdin) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("kcat");
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("kcat exit code; output: " + output).isZero();
    }

    private static ConsumerRecord<byte[], byte[]> readOne(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProps(topic + "-reader"))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    return r;
                }
            }
        }
        throw new AssertionError("no record arrived on " + topic + " within 30 s");
    }
}
