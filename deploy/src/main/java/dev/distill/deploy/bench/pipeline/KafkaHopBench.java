package dev.distill.deploy.bench.pipeline;

import dev.distill.common.data.LabelledImages;
import dev.distill.common.event.Event;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's own ceiling for one hop of the pipeline: a plain {@link KafkaProducer} and {@link KafkaConsumer} with
 * batching settings a tuned client would use move the same records (Fashion-MNIST events, same encoding, so the
 * same size) through the same broker, one thread each, as fast as they can. Events per second from the first send
 * to the last record consumed. The consumer is assigned its partitions (no group), so it writes nothing back.
 */
final class KafkaHopBench {

    private KafkaHopBench() {}

    /** Sends {@code events} images of {@code images} to the empty {@code topic} and reads them back. */
    static double eventsPerSecond(Map<String, Object> clientProps, String topic, LabelledImages images,
            Encoding encoding, int events, Duration timeout) throws InterruptedException {
        List<byte[]> values = new ArrayList<>();
        EventCodec codec = new EventCodec();
        int distinct = Math.min(events, 1000); // enough distinct images; encoding all N would dominate memory
        for (int i = 0; i < distinct; i++) {
            values.add(codec.encode(new Event("hop-" + i, System.currentTimeMillis(),
                    new int[] {images.rows(), images.cols()}, images.image(i % images.count())), encoding));
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(clientProps),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(clientProps),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            partitions.forEach(consumer::position); // resolve positions before the clock starts

            AtomicLong firstSend = new AtomicLong();
            AtomicReference<Exception> sendError = new AtomicReference<>();
            Thread sender = new Thread(() -> {
                firstSend.set(System.nanoTime());
                RecordHeaders headers = new RecordHeaders();
                encoding.writeTo(headers);
                for (int i = 0; i < events && sendError.get() == null; i++) {
                    producer.send(new ProducerRecord<>(topic, null, null,
                            ("hop-" + i).getBytes(StandardCharsets.UTF_8), values.get(i % distinct), headers),
                            (m, e) -> {
                                if (e != null) {
                                    sendError.compareAndSet(null, e);
                                }
                            });
                }
                producer.flush();
            }, "kafka-hop-producer");
            sender.start();
            long consumed = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumed < events) {
                if (System.nanoTime() > deadline || sendError.get() != null) {
                    sender.interrupt();
                    throw new IllegalStateException("Kafka hop: " + consumed + " of " + events + " records came back "
                            + (sendError.get() != null ? "(send failed: " + sendError.get() + ")" : "within " + timeout));
                }
                consumed += consumer.poll(Duration.ofMillis(100)).count();
            }
            long end = System.nanoTime();
            sender.join();
            return events / ((end - firstSend.get()) / 1e9);
        }
    }

    private static Map<String, Object> producerProps(Map<String, Object> clientProps) {
        Map<String, Object> p = new HashMap<>(clientProps);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "distill-bench-kafka-hop");
        return p;
    }

    private static Map<String, Object> consumerProps(Map<String, Object> clientProps) {
        Map<String, Object> c = new HashMap<>(clientProps);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024);
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "distill-bench-kafka-hop");
        return c;
    }
}
