package dev.distill.common.checkpoint;

import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.signing.Sha256;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the checkpoints topic from the beginning ({@code read_committed}, no consumer group) and keeps every version
 * that is still on it, reassembled from its chunks and checked against its manifest's size and SHA-256. The topic is
 * the source of truth: a restarted reader rebuilds the same state.
 *
 * <p>{@link #catchUp(Duration)} reads up to the current end of the topic; call it periodically (it is synchronised).
 * The lookup methods are thread-safe and never block on Kafka. A version whose chunks are missing or whose hash does
 * not match is logged, counted in {@link #corruptVersions()} and not served.
 */
public final class CheckpointTopicReader implements CheckpointSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointTopicReader.class);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final CheckpointManifestCodec codec = new CheckpointManifestCodec();
    /** Chunks read but not yet claimed by a version manifest: model → version → index → bytes. Reader thread only. */
    private final Map<String, Map<Long, TreeMap<Integer, byte[]>>> pendingChunks = new HashMap<>();
    private final CheckpointIndex index = new CheckpointIndex();
    private final Map<String, Long> latestVersion = new ConcurrentHashMap<>();
    private volatile long corruptVersions;
    private List<TopicPartition> partitions;

    /**
     * @param consumerProps at least {@code bootstrap.servers}; deserializers, isolation level, offset reset and
     *                      auto-commit are set here
     */
    public CheckpointTopicReader(Map<String, Object> consumerProps, String topic) {
        Map<String, Object> props = new HashMap<>(consumerProps);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign(), positions live in this object only
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        this.consumer = new KafkaConsumer<>(props);
        this.topic = topic;
    }

    /**
     * Reads everything committed up to now.
     *
     * @return true if the reader reached the end offsets it saw on entry within {@code timeout}
     */
    public synchronized boolean catchUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (partitions == null) {
            partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            if (partitions.isEmpty()) {
                partitions = null;
                return false;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        while (!reached(end)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofNanos(Math.min(left, 200_000_000L)))) {
                apply(r);
            }
        }
        return true;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            LOG.warn("{} partition {} offset {}: record without key ignored", topic, r.partition(), r.offset());
            return;
        }
        CheckpointKeys.Parsed key = CheckpointKeys.parse(r.key());
        String where = topic + " partition " + r.partition() + " offset " + r.offset();
        if (key.isChunk()) {
            Map<Long, TreeMap<Integer, byte[]>> byVersion = pendingChunks.computeIfAbsent(key.model(), m -> new HashMap<>());
            if (r.value() == null) {
                TreeMap<Integer, byte[]> chunks = byVersion.get(key.version());
                if (chunks != null && chunks.remove(key.chunk()) != null && chunks.isEmpty()) {
                    byVersion.remove(key.version());
                }
                forget(key.model(), key.version());
            } else {
                byVersion.computeIfAbsent(key.version(), v -> new TreeMap<>()).put(key.chunk(), r.value());
            }
            return;
        }
        if (r.value() == null) {
            if (key.isVersionManifest()) {
                forget(key.model(), key.version());
            }
            return;
        }
        CheckpointManifest manifest;
        try {
            manifest = codec.decode(r.value(), r.headers());
        } catch (MalformedRecordException e) {
            LOG.warn("{}: undecodable checkpoint manifest for key {}: {}", where, key, e.getMessage());
            return;
        }
        if (!manifest.modelName().equals(key.model())
                || (key.isVersionManifest() && manifest.version() != key.version())) {
            LOG.warn("{}: manifest of {} v{} stored under key {}; ignored", where, manifest.modelName(),
                    manifest.version(), key);
            return;
        }
        if (key.isVersionManifest() || !held(manifest)) {
            assemble(manifest, where);
        }
        if (key.isLatestManifest() && held(manifest)) {
            latestVersion.put(manifest.modelName(), manifest.version());
        }
    }

    private boolean held(CheckpointManifest m) {
        return index.get(m.modelName(), m.version()).filter(held -> held.manifest().equals(m)).isPresent();
    }

    private void assemble(CheckpointManifest m, String where) {
        Map<Long, TreeMap<Integer, byte[]>> byVersion = pendingChunks.get(m.modelName());
        TreeMap<Integer, byte[]> chunks = byVersion == null ? null : byVersion.get(m.version());
        if (chunks == null || chunks.size() != m.chunkCount() || chunks.lastKey() != m.chunkCount() - 1) {
            corruptVersions++;
            LOG.warn("{}: {} v{} needs {} chunks, found {}; version not served", where, m.modelName(), m.version(),
                    m.chunkCount(), chunks == null ? 0 : chunks.size());
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, m.sizeBytes()));
        chunks.values().forEach(out::writeBytes);
        byte[] artifact = out.toByteArray();
        String sha = Sha256.hex(artifact);
        if (artifact.length != m.sizeBytes() || !sha.equals(m.sha256())) {
            corruptVersions++;
            LOG.warn("{}: {} v{} reassembled to {} bytes with SHA-256 {}, manifest says {} bytes with {}; not served",
                    where, m.modelName(), m.version(), artifact.length, sha, m.sizeBytes(), m.sha256());
            return;
        }
        byVersion.remove(m.version()); // the assembled copy is enough
        index.put(new PublishedCheckpoint(m, artifact));
    }

    private void forget(String model, long version) {
        if (index.remove(model, version)) {
            LOG.debug("{} v{} tombstoned", model, version);
        }
    }

    @Override
    public Optional<PublishedCheckpoint> latest(String model) {
        Long v = latestVersion.get(model);
        return v == null ? Optional.empty() : version(model, v);
    }

    @Override
    public Optional<PublishedCheckpoint> version(String model, long version) {
        return index.get(model, version);
    }

    @Override
    public List<Long> versions(String model) {
        return index.versions(model);
    }

    /** Versions seen with missing chunks or a wrong hash since this reader started. */
    public long corruptVersions() {
        return corruptVersions;
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
