package dev.distill.student;

import dev.distill.common.checkpoint.CheckpointPublisher;
import dev.distill.common.checkpoint.CheckpointTopicReader;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.kafka.DeadLetterPublisher;
import dev.distill.common.metrics.DistillMeterRegistries;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.topic.DistillTopics;
import dev.distill.common.topic.TopicProvisioner;
import dev.distill.common.topic.TopicSpec;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.config.StudentServiceConfig.GateMetric;
import dev.distill.student.dashboard.DashboardHandler;
import dev.distill.student.dashboard.DashboardSampler;
import dev.distill.student.fleet.FleetHttpHandler;
import dev.distill.student.fleet.FleetView;
import dev.distill.student.http.UpdateApi;
import dev.distill.student.metrics.TrainerMetrics;
import dev.distill.student.pipeline.SigningKeys;
import dev.distill.student.pipeline.TrainerLoop;
import dev.distill.student.example.EventLookup;
import dev.distill.student.pipeline.TrainingLedger;
import dev.distill.student.topology.JoinTopology;
import dev.distill.student.training.PrequentialStats;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running student-service: creates missing topics (the examples topic with the events' partition count), runs
 * the Kafka Streams join, the online trainer on its own thread, the checkpoint publisher, and the HTTP endpoints
 * ({@code /metrics}, {@code /health}, {@code /ready} = Streams RUNNING and trainer polling, and the update API under
 * {@code /models/}, the fleet view under {@code /fleet}, the live dashboard under {@code /dashboard}). {@link #close()}
 * stops the join, lets the trainer write a final checkpoint, and releases all.
 */
public final class StudentService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StudentService.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final StudentServiceConfig config;
    private final PrometheusMeterRegistry registry;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private KafkaStreams streams;
    private TrainerLoop trainer;
    private Thread trainerThread;
    private ServiceHttpServer http;
    private CheckpointTopicReader updateSource;
    private ScheduledExecutorService refresher;
    private KafkaProducer<byte[], byte[]> deadLetterProducer;
    private KafkaProducer<byte[], byte[]> publisherProducer;
    private ManifestSigner signer;
    private FleetView fleet;
    private DashboardSampler dashboard;
    private volatile boolean closed;

    private StudentService(StudentServiceConfig config) {
        this.config = config;
        this.registry = DistillMeterRegistries.prometheus("student");
    }

    /** Starts everything and returns; the trainer and the join run in the background. */
    public static StudentService start(StudentServiceConfig config) {
        return start(config, Clock.systemUTC());
    }

    public static StudentService start(StudentServiceConfig config, Clock clock) {
        StudentService service = new StudentService(config);
        try {
            service.startAll(clock);
            return service;
        } catch (RuntimeException | Error e) {
            service.close();
            throw e;
        }
    }

    private void startAll(Clock clock) {
        provisionTopics();
        signer = SigningKeys.loadOrCreate(config.signingKey(), config.signingPublicKey());

        // Publisher: resume from what the checkpoints topic already holds, so versions keep increasing.
        publisherProducer = new KafkaProducer<>(publisherProducerProperties(config));
        bind(new KafkaClientMetrics(publisherProducer));
        publisherProducer.initTransactions();
        CheckpointPublisher publisher = new CheckpointPublisher(publisherProducer, config.getString(
                StudentServiceConfig.TOPIC_CHECKPOINTS), signer, config.modelName());
        double publishedMetric = Double.NaN;
        byte[] publishedParameters = null;
        try (CheckpointTopicReader reader = new CheckpointTopicReader(readerProperties(config, "start"),
                config.getString(StudentServiceConfig.TOPIC_CHECKPOINTS))) {
            if (!reader.catchUp(ADMIN_TIMEOUT)) {
                throw new IllegalStateException("could not read the checkpoints topic to its end within "
                        + ADMIN_TIMEOUT + "; is the cluster at " + config.bootstrapServers() + " healthy?");
            }
            publisher.resumeFrom(reader);
            Optional<PublishedCheckpoint> latest = reader.latest(config.modelName());
            if (latest.isPresent()) {
                Double m = latest.get().manifest().metrics()
                        .get(config.gateMetric() == GateMetric.ACCURACY ? "accuracy" : "agreement");
                publishedMetric = m == null ? Double.NaN : m;
                if (latest.get().manifest().architecture().equals(config.studentConfig().parsedArchitecture().spec())) {
                    publishedParameters = latest.get().artifact(); // the gate's champion until this run publishes
                }
                LOG.info("{} v{} is the latest published checkpoint", config.modelName(), latest.get().version());
            }
        }

        deadLetterProducer = new KafkaProducer<>(deadLetterProducerProperties(config));
        bind(new KafkaClientMetrics(deadLetterProducer));
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(trainerConsumerProperties(config));
        bind(new KafkaClientMetrics(consumer));
        TrainerMetrics metrics = new TrainerMetrics(registry, config.modelName(),
                new PrequentialStats(config.prequentialWindow()));
        EventLookup events = new EventLookup(eventConsumer(config, "recent"), eventConsumer(config, "older"),
                config.eventsTopic(), config.eventCacheRecords());
        trainer = new TrainerLoop(config, clock, consumer, events,
                new DeadLetterPublisher(deadLetterProducer, config.deadLetterTopic(), registry), publisher,
                publishedMetric, publishedParameters, metrics);

        streams = new KafkaStreams(JoinTopology.build(config, registry), config.streamsProperties());
        bind(new KafkaStreamsMetrics(streams));
        streams.start();

        trainerThread = new Thread(trainer, "student-trainer-" + config.modelName());
        trainerThread.start();

        fleet = new FleetView(new KafkaConsumer<>(fleetConsumerProperties(config)),
                config.getString(StudentServiceConfig.TOPIC_EDGE_STATUS), registry, clock).start();

        http = ServiceHttpServer.startIfEnabled(config.httpPort(), registry).orElse(null);
        if (http != null) {
            http.addReadinessCheck("streams-running", () -> streams.state() == KafkaStreams.State.RUNNING);
            http.addReadinessCheck("trainer-polling", trainer::isPolling);
            updateSource = new CheckpointTopicReader(readerProperties(config, "update-api"),
                    config.getString(StudentServiceConfig.TOPIC_CHECKPOINTS));
            refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "student-update-api-refresh");
                t.setDaemon(true);
                return t;
            });
            long every = config.updateApiRefresh().toMillis();
            refresher.scheduleWithFixedDelay(this::refreshUpdateSource, 0, every, TimeUnit.MILLISECONDS);
            UpdateApi.register(http, updateSource, config.updateApiToken(), registry);
            http.addHandler(FleetHttpHandler.PATH, new FleetHttpHandler(fleet::snapshot));
            dashboard = new DashboardSampler(registry, clock, DashboardSampler.DEFAULT_INTERVAL,
                    DashboardSampler.DEFAULT_CAPACITY).start();
            http.addHandler(DashboardHandler.PATH, DashboardHandler.of(dashboard, config.modelName()));
        }
        LOG.info("student-service started: join {} -> {}, trainer {} ({}), HTTP port {}", config.applicationId(),
                config.examplesTopic(), config.modelName(), config.architecture(), httpPort());
    }

    private void refreshUpdateSource() {
        try {
            updateSource.catchUp(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warn("update API: reading the checkpoints topic failed; serving what it has: {}", e.toString());
        }
    }

    private void provisionTopics() {
        Map<String, Object> adminProps = config.kafkaClientProperties(AdminClientConfig.configNames());
        try (Admin admin = Admin.create(adminProps)) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, ADMIN_TIMEOUT);
            DistillTopics topics = DistillTopics.from(config);
            provisioner.provision(topics);
            int partitions = admin.describeTopics(List.of(config.eventsTopic())).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(config.eventsTopic()).partitions().size();
            TopicSpec examples = new TopicSpec(config.examplesTopic(), partitions, config.topicReplicationFactor(),
                    topics.events().configs());
            TopicProvisioner.Report report = provisioner.provision(List.of(examples), Set.of());
            if (!report.warnings().isEmpty()) {
                LOG.warn("examples topic {} does not have the {} partitions of {}; the trainer reads all of them",
                        config.examplesTopic(), partitions, config.eventsTopic());
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe " + config.eventsTopic() + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("describing " + config.eventsTopic() + " took longer than "
                    + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while provisioning topics", e);
        }
    }

    private void bind(KafkaClientMetrics m) {
        m.bindTo(registry);
        closeables.add(m);
    }

    private void bind(KafkaStreamsMetrics m) {
        m.bindTo(registry);
        closeables.add(m);
    }

    static Map<String, Object> trainerConsumerProperties(StudentServiceConfig config) {
        Map<String, Object> props = config.kafkaClientProperties(ConsumerConfig.configNames());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign(): positions live in checkpoints, not in a group
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "student-trainer-" + config.modelName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    private KafkaConsumer<byte[], byte[]> eventConsumer(StudentServiceConfig config, String role) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(EventLookup.consumerProperties(
                config.kafkaClientProperties(ConsumerConfig.configNames()),
                "student-trainer-events-" + role + "-" + config.modelName(), config.eventCacheRecords()));
        bind(new KafkaClientMetrics(c));
        return c;
    }

    static Map<String, Object> fleetConsumerProperties(StudentServiceConfig config) {
        Map<String, Object> props = config.kafkaClientProperties(ConsumerConfig.configNames());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign(): every instance reads the whole fleet
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "student-fleet-view-" + config.modelName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    static Map<String, Object> readerProperties(StudentServiceConfig config, String role) {
        Map<String, Object> props = config.kafkaClientProperties(ConsumerConfig.configNames());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "student-checkpoints-" + role + "-" + config.modelName());
        return props;
    }

    static Map<String, Object> deadLetterProducerProperties(StudentServiceConfig config) {
        Map<String, Object> props = config.kafkaClientProperties(ProducerConfig.configNames());
        props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "student-trainer-dead-letters-" + config.modelName());
        // room for a copied record of up to record.max.bytes plus headers (the dead-letter topic's limit)
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                config.recordMaxBytes() + 2 * DistillTopics.RECORD_OVERHEAD_BYTES);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    static Map<String, Object> publisherProducerProperties(StudentServiceConfig config) {
        Map<String, Object> props = config.kafkaClientProperties(ProducerConfig.configNames());
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "student-publisher-" + config.modelName());
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.publisherTransactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, DistillTopics.CHECKPOINT_MAX_MESSAGE_BYTES);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }


    public StudentServiceConfig config() {
        return config;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Port of the HTTP endpoints, or -1 when {@code http.port=-1}. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** Streams RUNNING and the trainer polling: what {@code /ready} reports. */
    public boolean isReady() {
        return streams != null && streams.state() == KafkaStreams.State.RUNNING && trainer != null
                && trainer.isPolling();
    }

    /** Which model versions the edge fleet runs (from the edge-status topic); null before start. */
    public FleetView fleet() {
        return fleet;
    }

    public TrainerLoop trainer() {
        return trainer;
    }

    public KafkaStreams.State streamsState() {
        return streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
    }

    /** The public key that verifies this service's manifests. */
    public java.security.PublicKey publicKey() {
        return signer.publicKey();
    }

    /** The trainer's ledger file (see {@link TrainingLedger}). */
    public Path ledgerFile() {
        return config.checkpointDir().resolve(TrainingLedger.FILE_NAME);
    }

    /** The error that stopped the trainer, if any. */
    public Optional<Throwable> failure() {
        return trainer == null ? Optional.empty() : trainer.failure();
    }

    /** Blocks until the trainer thread has stopped (after {@link #close()} or a fatal error). */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        if (trainerThread == null) {
            return true;
        }
        trainerThread.join(Math.max(1, timeout.toMillis()));
        return !trainerThread.isAlive();
    }

    /** Stops the join, lets the trainer train what it holds and write a final checkpoint, then closes. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (refresher != null) {
            refresher.shutdownNow();
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
        }
        if (trainer != null) {
            trainer.stop();
        }
        if (trainerThread != null) {
            try {
                trainerThread.join(Duration.ofSeconds(60).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {
            http.close();
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {}: {}", c, e.toString());
            }
        }
        closeQuietly(dashboard);
        closeQuietly(fleet);
        closeQuietly(updateSource);
        closeQuietly(deadLetterProducer);
        closeQuietly(publisherProducer);
        LOG.info(String.format(Locale.ROOT, "student-service %s stopped", config.modelName()));
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing {}: {}", c, e.toString());
        }
    }
}
