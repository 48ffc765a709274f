package dev.distill.teacher;

import dev.distill.common.metrics.DistillMeterRegistries;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.topic.DistillTopics;
import dev.distill.teacher.config.TeacherConfig;
import dev.distill.teacher.inference.ModelSlot;
import dev.distill.teacher.inference.ModelWatcher;
import dev.distill.teacher.inference.TeacherModel;
import dev.distill.teacher.inference.TeacherModels;
import dev.distill.teacher.metrics.TeacherMetrics;
import dev.distill.teacher.pipeline.TeacherPipeline;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running teacher replica: model (with hot reload), exactly-once pipeline on its own thread, metrics and the
 * {@code /metrics /health /ready} endpoints. {@link #start(TeacherConfig)} returns once the model is loaded and the
 * loop runs; {@link #close()} finishes the batch in hand, commits it and releases everything.
 */
public final class TeacherService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TeacherService.class);

    private final TeacherConfig config;
    private final PrometheusMeterRegistry registry;
    private final ModelSlot models;
    private final ModelWatcher watcher;
    private final TeacherPipeline pipeline;
    private final Thread loop;
    private final KafkaClientMetrics consumerMetrics;
    private final KafkaClientMetrics producerMetrics;
    private final ServiceHttpServer http;

    private TeacherService(TeacherConfig config, Clock clock) {
        this.config = config;
        this.registry = DistillMeterRegistries.prometheus("teacher");
        TeacherMetrics metrics = new TeacherMetrics(registry, config.teacherId());
        TeacherModels.Spec spec = new TeacherModels.Spec(config.modelInputShape(), config.modelNumClasses(),
                config.architecture());
        Function<Path, TeacherModel> loader = p -> TeacherModels.load(p, spec);
        TeacherModel initial = loader.apply(config.modelPath());
        LOG.info("teacher {} loaded {}", config.teacherId(), initial);
        this.models = new ModelSlot(initial, m -> {
            metrics.modelSwapped();
            LOG.info("teacher {} now scores with model version {}", config.teacherId(), m.version());
        });
        this.watcher = new ModelWatcher(config.modelPath(), loader, models, metrics::modelReloadFailed);
        KafkaConsumer<byte[], ByteBuffer> consumer = new KafkaConsumer<>(consumerProperties(config));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(config));
        this.consumerMetrics = new KafkaClientMetrics(consumer);
        this.producerMetrics = new KafkaClientMetrics(producer);
        consumerMetrics.bindTo(registry);
        producerMetrics.bindTo(registry);
        this.pipeline = new TeacherPipeline(config, clock, consumer, producer, models, metrics);
        this.loop = new Thread(pipeline, "teacher-loop-" + config.teacherId());
        this.http = ServiceHttpServer.startIfEnabled(config.httpPort(), registry).orElse(null);
        if (http != null) {
            http.addReadinessCheck("model-loaded", models::isOpen);
            http.addReadinessCheck("consumer-polling", pipeline::isPolling);
        }
    }

    /** Loads the model, starts the loop, the model watcher and the HTTP endpoints. */
    public static TeacherService start(TeacherConfig config) {
        return start(config, Clock.systemUTC());
    }

    public static TeacherService start(TeacherConfig config, Clock clock) {
        TeacherService service = new TeacherService(config, clock);
        service.loop.start();
        service.watcher.start(config.modelCheckInterval());
        return service;
    }

    static Map<String, Object> consumerProperties(TeacherConfig config) {
        Map<String, Object> props = config.kafkaClientProperties(ConsumerConfig.configNames());
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "teacher-" + config.teacherId() + "-consumer");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        // the value as a view into the fetched bytes (no copy per record); the pipeline decodes from it
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class);
        // Larger fetches and polls (defaults: 1 MiB per partition, 500 records): an event is ~3 KB, so the default
        // cut a fetch at ~330 events per partition and the broker spent its time on fetch round trips.
        props.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(2_000, 4 * config.batchMaxSize()));
        props.putIfAbsent(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 1 << 20);
        return props;
    }

    static Map<String, Object> producerProperties(TeacherConfig config) {
        Map<String, Object> props = config.kafkaClientProperties(ProducerConfig.configNames());
        // short, as in Kafka's example: a crashed replica's open transaction blocks its partitions until it expires
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        // Logits are small (~100 B): bigger batches mean fewer produce requests inside a transaction, and the commit
        // flushes whatever lingers, so the linger adds no latency at the commit.
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 128 << 10);
        // The first sends of a transaction begun right after a commit often get CONCURRENT_TRANSACTIONS while the
        // broker still writes the previous commit's markers; with the default 100 ms backoff every such retry stalls
        // the next commit (and, behind it, the loop) for 100 ms.
        props.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "teacher-" + config.teacherId() + "-producer");
        // A dead letter copies an event of up to record.max.bytes + topic overhead; with the 1 MiB default
        // max.request.size such a record failed the transaction on every retry and the loop never got past it.
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                config.recordMaxBytes() + 2 * DistillTopics.RECORD_OVERHEAD_BYTES);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }


    public TeacherConfig config() {
        return config;
    }

    /** Port of the HTTP endpoints, or -1 when {@code http.port=-1}. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Model loaded and consumer polling: what {@code /ready} reports. */
    public boolean isReady() {
        return models.isOpen() && pipeline.isPolling();
    }

    public boolean isRunning() {
        return loop.isAlive();
    }

    /** The model version scoring now. */
    public String modelVersion() {
        return models.currentVersion();
    }

    /** The error that stopped the loop, if any. */
    public Optional<Throwable> failure() {
        return pipeline.failure();
    }

    /** Blocks until the loop has stopped (after {@link #close()} or a fatal error). */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        loop.join(Math.max(1, timeout.toMillis()));
        return !loop.isAlive();
    }

    /** Finishes and commits the batch in hand, then releases clients, model and endpoints. Idempotent. */
    @Override
    public void close() {
        pipeline.stop();
        watcher.close();
        try {
            loop.join(Duration.ofSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumerMetrics.close();
        producerMetrics.close();
        if (http != null) {
            http.close();
        }
        models.close();
    }
}
