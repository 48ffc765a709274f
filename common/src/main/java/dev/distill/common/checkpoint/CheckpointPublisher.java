package dev.distill.common.checkpoint;

import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.ParameterFormatException;
import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.common.serde.Encoding;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.signing.Sha256;
import dev.distill.common.topic.DistillTopics;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes signed checkpoints to the compacted checkpoints topic (layout in {@link CheckpointKeys}).
 *
 * <p>One publish is one Kafka transaction: the artifact chunks, the per-version manifest, the latest manifest, then
 * tombstones for versions that fell out of the retained window. A {@code read_committed} reader therefore never sees
 * a manifest without its chunks. Versions must increase. Not thread-safe: one publisher per model and producer.
 *
 * <p>The producer must be transactional ({@code transactional.id} set), have had {@code initTransactions()} called,
 * and have {@code max.request.size} at least {@code chunkBytes} plus record overhead (default 1 MiB suffices for the
 * default chunk size).
 */
public final class CheckpointPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointPublisher.class);
    public static final int DEFAULT_CHUNK_BYTES = 512 << 10;
    public static final int MAX_CHUNK_BYTES = DistillTopics.CHECKPOINT_MAX_MESSAGE_BYTES - DistillTopics.RECORD_OVERHEAD_BYTES;
    /** Versions kept besides the latest; at least one, so the previous version stays available as a delta base. */
    public static final int DEFAULT_KEEP_PREVIOUS = 2;

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final ManifestSigner signer;
    private final String model;
    private final int chunkBytes;
    private final int keepPrevious;
    private final Clock clock;
    private final CheckpointManifestCodec codec = new CheckpointManifestCodec();
    /** Published versions still on the topic (not yet tombstoned), oldest first: {version, chunkCount}. */
    private final Deque<long[]> retained = new ArrayDeque<>();
    private long lastVersion = -1;

    public CheckpointPublisher(Producer<byte[], byte[]> producer, String topic, ManifestSigner signer, String model,
                               int chunkBytes, int keepPrevious, Clock clock) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.signer = Objects.requireNonNull(signer, "signer");
        CheckpointKeys.checkModelName(model);
        this.model = model;
        if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("checkpoint chunk size must be 1.." + MAX_CHUNK_BYTES
                    + " bytes (below the checkpoints topic's max.message.bytes), got " + chunkBytes);
        }
        if (keepPrevious < 1) {
            throw new IllegalArgumentException("must keep at least 1 previous checkpoint version (the delta base), got "
                    + keepPrevious);
        }
        this.chunkBytes = chunkBytes;
        this.keepPrevious = keepPrevious;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public CheckpointPublisher(Producer<byte[], byte[]> producer, String topic, ManifestSigner signer, String model) {
        this(producer, topic, signer, model, DEFAULT_CHUNK_BYTES, DEFAULT_KEEP_PREVIOUS, Clock.systemUTC());
    }

    /**
     * Tells a restarted publisher which versions are already on the topic (e.g. from {@link CheckpointTopicReader}),
     * so that it tombstones them in time and refuses versions that do not increase.
     */
    public void resumeFrom(CheckpointSource source) {
        for (long v : source.versions(model)) {
            source.version(model, v).ifPresent(c -> {
                retained.addLast(new long[] {v, c.manifest().chunkCount()});
                lastVersion = Math.max(lastVersion, v);
            });
        }
    }

    /**
     * Publishes one version in one transaction and returns its signed manifest. When the artifact is DJL parameters
     * of {@code architecture}, the manifest also signs the SHA-256 and size of its {@link Int8Artifact} variant.
     *
     * @throws IllegalArgumentException if the version does not increase or an argument is invalid
     * @throws KafkaException if the transaction failed (it has been aborted when that was possible)
     */
    public CheckpointManifest publish(long version, String architecture, Map<String, Double> metrics, byte[] artifact,
                                      int rolloutPercent) {
        Objects.requireNonNull(artifact, "artifact");
        if (version <= lastVersion) {
            throw new IllegalArgumentException("checkpoint " + model + " v" + version
                    + ": versions must increase; last published is v" + lastVersion);
        }
        int chunkCount = Math.max(1, (artifact.length + chunkBytes - 1) / chunkBytes);
        byte[] int8 = int8Variant(version, architecture, artifact);
        CheckpointManifest unsigned = new CheckpointManifest(model, version, architecture, clock.millis(),
                metrics == null ? Map.of() : metrics, Sha256.hex(artifact), artifact.length, chunkCount,
                rolloutPercent, signer.keyId(), null, int8 == null ? null : Sha256.hex(int8),
                int8 == null ? null : (long) int8.length);
        CheckpointManifest signed = unsigned.withSignature(signer.sign(unsigned.canonicalBytes()));
        byte[] manifestBytes = codec.encode(signed, Encoding.JSON);

        producer.beginTransaction();
        try {
            Future<RecordMetadata> last = null;
            for (int i = 0; i < chunkCount; i++) {
                int from = i * chunkBytes;
                byte[] chunk = Arrays.copyOfRange(artifact, from, Math.min(artifact.length, from + chunkBytes));
                last = send(CheckpointKeys.chunk(model, version, i), chunk);
            }
            send(CheckpointKeys.versionManifest(model, version), manifestBytes);
            last = send(CheckpointKeys.latestManifest(model), manifestBytes);
            Deque<long[]> stillRetained = new ArrayDeque<>(retained);
            while (stillRetained.size() > keepPrevious) {
                long[] old = stillRetained.removeFirst();
                for (int i = 0; i < old[1]; i++) {
                    send(CheckpointKeys.chunk(model, old[0], i), null);
                }
                send(CheckpointKeys.versionManifest(model, old[0]), null);
            }
            commit(version);
            if (last != null) {
                last.get(); // commit flushed; surfaces a send failure the commit did not report
            }
            retained.clear();
            retained.addAll(stillRetained);
            retained.addLast(new long[] {version, chunkCount});
            lastVersion = version;
            return signed;
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            // fatal for this producer: it cannot abort; the caller must create a new producer
            throw e;
        } catch (KafkaException e) {
            abortQuietly(e);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while publishing checkpoint " + model + " v" + version, e);
        } catch (ExecutionException e) {
            throw new KafkaException("checkpoint " + model + " v" + version + " to " + topic + ": send failed: "
                    + e.getCause(), e.getCause());
        } catch (RuntimeException e) {
            abortQuietly(e);
            throw e;
        }
    }

    /**
     * The {@link Int8Artifact} the update API will serve for this artifact (quantisation is deterministic, so the
     * server derives the same bytes), or null when the artifact is not DJL parameters of a known architecture: then
     * the manifest simply offers no signed int8 variant and agents download the full artifact.
     */
    private byte[] int8Variant(long version, String architecture, byte[] artifact) {
        Architecture arch;
        try {
            arch = Architectures.parse(architecture);
        } catch (IllegalArgumentException e) {
            LOG.info("checkpoint {} v{}: no int8 variant, architecture '{}' is not in the registry", model, version,
                    architecture);
            return null;
        }
        try {
            return Int8Artifact.quantize(arch, artifact);
        } catch (ParameterFormatException e) {
            LOG.info("checkpoint {} v{}: no int8 variant, the artifact is not {} parameters: {}", model, version,
                    arch.spec(), e.getMessage());
            return null;
        }
    }

    /**
     * Commits, retrying timeouts: a commit that timed out may still complete, so Kafka allows only a retry of the
     * commit (an abort would be refused) and the version must not be given up while its outcome is unknown.
     */
    private void commit(long version) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                LOG.warn("checkpoint {} v{}: commit attempt {} timed out ({}); retrying the commit", model, version,
                        attempt, e.getMessage());
            }
        }
    }

    private Future<RecordMetadata> send(String key, byte[] value) {
        return producer.send(new ProducerRecord<>(topic, CheckpointKeys.bytes(key), value));
    }

    private void abortQuietly(RuntimeException cause) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    public String model() {
        return model;
    }

    public long lastVersion() {
        return lastVersion;
    }
}
