package dev.distill.student.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.common.event.EdgeStatus;
import dev.distill.common.serde.EdgeStatusCodec;
import dev.distill.common.serde.Encoding;
import dev.distill.testsupport.KafkaFixture;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class FleetViewIT {

    private static final KafkaFixture KAFKA = KafkaFixture.shared();
    private static final EdgeStatusCodec CODEC = new EdgeStatusCodec();
    private static final String MODEL = "student";

    @Test
    void countsLatestVersionPerDeviceAcrossUpdatesTombstonesAndGarbage() throws Exception {
        // Given five devices on the edge-status topic: three on v2, two on v1
        String topic = KAFKA.uniqueTopic("edge-status");
        KAFKA.createTopic(topic, 3);
        MeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.producerProps());
             FleetView view = new FleetView(new KafkaConsumer<>(consumerProps()), topic, registry,
                     Clock.systemUTC()).start()) {
            for (int i = 0; i < 5; i++) {
                send(producer, topic, "device-" + i, status("device-" + i, i < 3 ? 2 : 1));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(view.devicesPerVersion()).isEqualTo(Map.of("v2", 3L, "v1", 2L)));
            assertThat(gauges(registry)).isEqualTo(Map.of("v2", 3.0, "v1", 2.0));

            // When device-0 moves to v3, device-3 is removed by a tombstone and a garbage record arrives
            send(producer, topic, "device-0", status("device-0", 3));
            send(producer, topic, "device-3", null);
            send(producer, topic, "device-9", "{not json".getBytes(StandardCharsets.UTF_8));
            producer.flush();

            // Then the view converges on the latest report per device, the garbage is counted, not fatal
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(view.devicesPerVersion()).isEqualTo(Map.of("v3", 1L, "v2", 2L, "v1", 1L));
                assertThat(view.undecodable()).isEqualTo(1);
            });
            assertThat(view.devices()).isEqualTo(4);
            assertThat(view.snapshot().updatedAt()).isPositive();
            assertThat(gauges(registry)).isEqualTo(Map.of("v3", 1.0, "v2", 2.0, "v1", 1.0));

            // And when no device runs v1 any more its gauge disappears, so series stay bounded by live versions
            send(producer, topic, "device-4", null);
            send(producer, topic, "device-5", status("device-5", 0));
            producer.flush();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(view.devicesPerVersion()).isEqualTo(Map.of("v3", 1L, "v2", 2L, "none", 1L)));
            assertThat(gauges(registry)).isEqualTo(Map.of("v3", 1.0, "v2", 2.0, "none", 1.0));
        }
        assertThat(registry.find("distill.edge.fleet.devices").gauges()).as("gauges after close").isEmpty();
    }

    private static Map<String, Object> consumerProps() {
        Map<String, Object> props = KAFKA.consumerProps("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return props;
    }

    private static byte[] status(String device, long version) {
        EdgeStatus s = new EdgeStatus(device, MODEL, version, EdgeStatus.Status.SERVING, System.currentTimeMillis(),
                Map.of(), "");
        return CODEC.encode(s, Encoding.JSON);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    private static Map<String, Double> gauges(MeterRegistry registry) {
        Map<String, Double> out = new TreeMap<>();
        for (Gauge g : registry.find("distill.edge.fleet.devices").tag("model", MODEL).gauges()) {
            out.put(g.getId().getTag("version"), g.value());
        }
        return out;
    }
}
