package dev.distill.edge;

import dev.distill.common.event.EdgeStatus;
import dev.distill.common.serde.EdgeStatusCodec;
import dev.distill.common.serde.Encoding;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reports status to the compacted edge-status topic, keyed by device id, with a plain producer (no Streams). */
public final class KafkaStatusReporter implements StatusReporter {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStatusReporter.class);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final EdgeStatusCodec codec = new EdgeStatusCodec();

    public KafkaStatusReporter(Map<String, Object> producerProps, String topic) {
        Map<String, Object> props = new HashMap<>(producerProps);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        this.producer = new KafkaProducer<>(props);
        this.topic = topic;
    }

    @Override
    public void report(EdgeStatus status) {
        try {
            producer.send(new ProducerRecord<>(topic, status.deviceId().getBytes(StandardCharsets.UTF_8),
                    codec.encode(status, Encoding.JSON)), (md, e) -> {
                        if (e != null) {
                            LOG.warn("edge status of {} not delivered to {}: {}", status.deviceId(), topic, e.toString());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warn("edge status of {} not sent to {}: {}", status.deviceId(), topic, e.toString());
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
