package dev.distill.student.fleet;

import dev.distill.common.event.EdgeStatus;
import dev.distill.common.metrics.MetricNames;
import dev.distill.common.serde.EdgeStatusCodec;
import dev.distill.common.serde.MalformedRecordException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which model version the edge fleet runs, read from the compacted edge-status topic: the latest report per device id
 * (the record key), a tombstone removes the device. The view reads every partition from the beginning without a
 * consumer group, so each instance sees the whole fleet and a restart rebuilds it from the topic.
 *
 * <p>A device counts under {@code v<modelVersion>}, or {@value #NO_VERSION} while it serves no model yet. The gauge
 * {@link MetricNames#EDGE_FLEET_DEVICES} is registered per (model, version) as that pair appears and removed once no
 * device runs it, so the number of series stays as small as the set of live versions. Undecodable records are
 * logged and counted ({@link #undecodable()}), never fatal.
 */
public final class FleetView implements AutoCloseable {

    /** Version key of devices that report no model (version 0). */
    public static final String NO_VERSION = "none";

    private static final Logger LOG = LoggerFactory.getLogger(FleetView.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);
    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final MeterRegistry registry;
    private final Clock clock;
    private final EdgeStatusCodec codec = new EdgeStatusCodec();
    private final Thread thread;

    // Owned by the polling thread.
    private final Map<String, ModelVersion> byDevice = new HashMap<>();
    private final Map<ModelVersion, FleetGauge> gauges = new HashMap<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long nextPartitionRefresh;

    private final AtomicLong undecodable = new AtomicLong();
    private volatile Snapshot snapshot = new Snapshot(0, Map.of(), 0);
    private volatile boolean running = true;
    private boolean closed;

    /** Device counts as of {@code updatedAt} (epoch millis of the last change, 0 before any). */
    public record Snapshot(int devices, Map<String, Long> versions, long updatedAt) {
        public Snapshot {
            versions = Collections.unmodifiableMap(new TreeMap<>(versions));
        }
    }

    private record ModelVersion(String model, String version) {
    }

    private static final class FleetGauge {
        final AtomicLong devices = new AtomicLong();
        Gauge gauge;
    }

    /**
     * @param consumer a consumer with byte-array deserializers and no group; the view owns and closes it
     */
    public FleetView(Consumer<byte[], byte[]> consumer, String topic, MeterRegistry registry, Clock clock) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.thread = new Thread(this::run, "student-fleet-view");
        this.thread.setDaemon(true);
    }

    /** Starts reading in the background; returns this. */
    public FleetView start() {
        thread.start();
        return this;
    }

    /** Devices per version key ({@code "v3"}, {@value #NO_VERSION}), over all models; sorted by key. */
    public Map<String, Long> devicesPerVersion() {
        return snapshot.versions();
    }

    public int devices() {
        return snapshot.devices();
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** Records that could not be decoded (or had no device id key) since start. */
    public long undecodable() {
        return undecodable.get();
    }

    static String versionKey(EdgeStatus status) {
        return status.modelVersion() > 0 ? "v" + status.modelVersion() : NO_VERSION;
    }

    private void run() {
        try {
            while (running) {
                try {
                    refreshPartitions();
                    if (assigned.isEmpty()) {
                        Thread.sleep(POLL.toMillis());
                        continue;
                    }
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                    if (!records.isEmpty()) {
                        records.forEach(this::apply);
                        publish();
                    }
                } catch (WakeupException | InterruptException e) {
                    // close() was called
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    // Broker trouble must not end the view: it keeps serving the last counts and tries again.
                    LOG.warn("fleet view: reading {} failed; retrying in {} s", topic, ERROR_BACKOFF.toSeconds(), e);
                    try {
                        Thread.sleep(ERROR_BACKOFF.toMillis());
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        } finally {
            closeConsumer();
        }
    }

    // New partitions of the topic are picked up from the beginning, so adding partitions loses no device.
    private void refreshPartitions() {
        long now = clock.millis();
        if (now < nextPartitionRefresh && !assigned.isEmpty()) {
            return;
        }
        nextPartitionRefresh = now + PARTITION_REFRESH.toMillis();
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        Set<TopicPartition> all = new HashSet<>();
        if (infos != null) {
            infos.forEach(i -> all.add(new TopicPartition(i.topic(), i.partition())));
        }
        if (all.isEmpty()) {
            if (assigned.isEmpty()) {
                LOG.debug("fleet view: topic {} has no partitions yet", topic);
                nextPartitionRefresh = now + POLL.toMillis();
            }
            return;
        }
        Set<TopicPartition> added = new HashSet<>(all);
        added.removeAll(assigned);
        if (!added.isEmpty()) {
            assigned.addAll(added);
            consumer.assign(assigned);
            consumer.seekToBeginning(added);
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null || r.key().length == 0) {
            reject(r, "record has no key; the key must be the device id");
            return;
        }
        String deviceId = new String(r.key(), StandardCharsets.UTF_8);
        ModelVersion before;
        ModelVersion after;
        if (r.value() == null) {
            before = byDevice.remove(deviceId);
            after = null;
        } else {
            EdgeStatus status;
            try {
                status = codec.decode(r.value(), r.headers());
            } catch (MalformedRecordException e) {
                reject(r, e.getMessage());
                return;
            }
            after = new ModelVersion(status.modelName(), versionKey(status));
            before = byDevice.put(deviceId, after);
        }
        if (Objects.equals(before, after)) {
            return;
        }
        if (before != null) {
            gauges.get(before).devices.decrementAndGet();
        }
        if (after != null) {
            gauges.computeIfAbsent(after, k -> new FleetGauge()).devices.incrementAndGet();
        }
    }

    private void reject(ConsumerRecord<byte[], byte[]> r, String why) {
        undecodable.incrementAndGet();
        LOG.warn("fleet view: {} record at partition {} offset {} skipped: {}", r.topic(), r.partition(), r.offset(), why);
    }

    // Gauges are registered and removed here, on the polling thread, after a whole batch so that a device moving
    // from one version to another within a batch does not create and drop a series.
    private void publish() {
        Map<String, Long> versions = new TreeMap<>();
        var it = gauges.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            FleetGauge g = e.getValue();
            long n = g.devices.get();
            if (n <= 0) {
                if (g.gauge != null) {
                    registry.remove(g.gauge);
                }
                it.remove();
                continue;
            }
            if (g.gauge == null) {
                g.gauge = MetricNames.EDGE_FLEET_DEVICES.gauge(registry, g.devices, AtomicLong::get,
                        "model", e.getKey().model(), "version", e.getKey().version());
            }
            versions.merge(e.getKey().version(), n, Long::sum);
        }
        Snapshot current = snapshot;
        if (current.devices() != byDevice.size() || !current.versions().equals(versions)) {
            snapshot = new Snapshot(byDevice.size(), versions, clock.millis());
        }
    }

    private void closeConsumer() {
        try {
            consumer.close();
        } catch (RuntimeException e) {
            LOG.debug("fleet view: closing the consumer: {}", e.toString());
        }
    }

    /** Stops the polling thread, closes the consumer and removes the gauges. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        consumer.wakeup();
        if (thread.isAlive()) {
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (thread.getState() == Thread.State.NEW) {
            closeConsumer();
        }
        gauges.values().forEach(g -> {
            if (g.gauge != null) {
                registry.remove(g.gauge);
            }
        });
        gauges.clear();
    }
}
