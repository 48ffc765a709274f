package dev.distill.edge;

import ai.djl.Model;
import dev.distill.common.checkpoint.ArtifactDelta;
import dev.distill.common.checkpoint.Int8Artifact;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.event.EdgeStatus;
import dev.distill.common.metrics.MetricNames;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.common.serde.MalformedRecordException;
import dev.distill.common.signing.MalformedSignatureException;
import dev.distill.common.signing.ManifestVerifier;
import dev.distill.common.signing.Sha256;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an edge device runs: polls the update API, verifies, hot-swaps and serves a student model.
 *
 * <p>Per poll ({@link #pollOnce()}): conditional manifest GET ({@code If-None-Match}); staged-rollout check
 * ({@link Rollout}); Ed25519 signature check of the manifest; download (a delta against the held version when possible,
 * else the full artifact, resumed with {@code Range} after a broken transfer; or, with
 * {@link EdgeAgentConfig#preferInt8()} and a manifest that signs one, the {@link Int8Artifact} variant); size and
 * SHA-256 check against the signed manifest; only then the DJL
 * model is built, probed (finite logits, top-1 agreement with the serving model above a floor) and swapped in. Anything
 * that fails is counted, reported as {@code REJECTED} and leaves the serving model untouched. Predictions run
 * concurrently with swaps: each holds a reference to the model it started on, which is closed only after the last one
 * finishes. The previous version is kept for {@link #rollback()}.
 */
public final class EdgeAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeAgent.class);
    private static final int DOWNLOAD_ATTEMPTS = 3;

    private final EdgeAgentConfig config;
    private final UpdateClient client;
    private final ManifestVerifier verifier;
    private final StatusReporter reporter;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Random random;
    private final CheckpointManifestCodec codec = new CheckpointManifestCodec();
    private final AtomicReference<ServingModel> current = new AtomicReference<>();
    private final AtomicLong servingVersion = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final Set<Long> rolledBack = new HashSet<>();
    private final Object updateLock = new Object();
    private ServingModel previous;
    private String lastEtag;
    private Partial partial;
    private int consecutiveFailures;
    private ScheduledExecutorService scheduler;

    private record Partial(long version, String path, String etag, byte[] bytes) {}

    public EdgeAgent(EdgeAgentConfig config, HttpClient http, StatusReporter reporter, MeterRegistry registry,
                     Clock clock, Random random) {
        this.config = config;
        this.client = new UpdateClient(http, config.server(), config.model(), config.bearerToken());
        this.verifier = new ManifestVerifier(config.publicKey());
        this.reporter = reporter;
        this.registry = registry;
        this.clock = clock;
        this.random = random;
        MetricNames.EDGE_MODEL_VERSION.gauge(registry, servingVersion, AtomicLong::doubleValue, "model", config.model());
    }

    /** Polls in the background: every poll interval (±10 % jitter), or after an exponential backoff with jitter on errors. */
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edge-agent-" + config.deviceId());
            t.setDaemon(true);
            return t;
        });
        scheduler.execute(this::loop);
    }

    private void loop() {
        UpdateOutcome outcome;
        try {
            outcome = pollOnce();
        } catch (RuntimeException e) {
            LOG.warn("{}: poll failed unexpectedly", config.deviceId(), e);
            outcome = UpdateOutcome.FAILED;
        }
        ScheduledExecutorService s = scheduler;
        if (s != null && !s.isShutdown()) {
            s.schedule(this::loop, nextDelay(outcome).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The wait before the next poll after {@code outcome}. */
    Duration nextDelay(UpdateOutcome outcome) {
        if (outcome == UpdateOutcome.FAILED || outcome == UpdateOutcome.REJECTED) {
            consecutiveFailures = Math.min(consecutiveFailures + 1, 30);
            double cap = Math.min(config.backoffMax().toMillis(),
                    config.backoffMin().toMillis() * Math.pow(2, consecutiveFailures - 1));
            // "equal jitter": half fixed, half random, so a fleet that failed together does not retry together
            return Duration.ofMillis((long) (cap / 2 + random.nextDouble() * cap / 2));
        }
        consecutiveFailures = 0;
        long base = config.pollInterval().toMillis();
        return Duration.ofMillis((long) (base * (0.9 + 0.2 * random.nextDouble())));
    }

    /** One update cycle; never throws for server or artifact problems. */
    public UpdateOutcome pollOnce() {
        synchronized (updateLock) {
            UpdateOutcome outcome;
            try {
                outcome = poll();
            } catch (IOException e) {
                LOG.info("{}: update server unavailable: {}", config.deviceId(), e.toString());
                outcome = UpdateOutcome.FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = UpdateOutcome.FAILED;
            }
            String tag = switch (outcome) {
                case APPLIED -> "applied";
                case REJECTED -> "rejected";
                case FAILED -> "failed";
                default -> "not_modified";
            };
            MetricNames.EDGE_UPDATES.counter(registry, "model", config.model(), "outcome", tag).increment();
            return outcome;
        }
    }

    private UpdateOutcome poll() throws IOException, InterruptedException {
        UpdateClient.ManifestResponse response = client.manifest(lastEtag);
        if (response.status() == 304) {
            return UpdateOutcome.NOT_MODIFIED;
        }
        if (response.status() == 404) {
            return UpdateOutcome.NO_MANIFEST;
        }
        CheckpointManifest m;
        try {
            m = codec.decode(response.body(), null);
        } catch (MalformedRecordException e) {
            return reject(0, "manifest does not decode: " + e.getMessage(), response.etag());
        }
        if (!m.modelName().equals(config.model())) {
            return reject(m.version(), "manifest is for model " + m.modelName() + ", expected " + config.model(),
                    response.etag());
        }
        // versions start at 0, so "nothing served yet" must not read as "serving v0"
        boolean upToDate = isServing() && m.version() <= servingVersion.get();
        if (upToDate || rolledBack.contains(m.version())) {
            lastEtag = response.etag();
            return UpdateOutcome.UP_TO_DATE;
        }
        if (!Rollout.applies(config.deviceId(), m.rolloutPercent())) {
            lastEtag = response.etag();
            return UpdateOutcome.NOT_IN_ROLLOUT;
        }
        String signatureProblem = signatureProblem(m);
        if (signatureProblem != null) {
            // the manifest itself is bad: only a new manifest (new ETag) can fix it, so do not re-fetch this one
            return reject(m.version(), signatureProblem, response.etag());
        }
        boolean int8 = config.preferInt8() && m.hasInt8();
        report(EdgeStatus.Status.UPDATING, Map.of(), "downloading v" + m.version() + (int8 ? " (int8)" : ""));
        byte[] artifact = int8 ? fetchInt8(m) : fetchArtifact(m);
        long signedSize = int8 ? m.int8SizeBytes() : m.sizeBytes();
        String signedSha = int8 ? m.int8Sha256() : m.sha256();
        if (artifact.length != signedSize || !Sha256.hex(artifact).equals(signedSha)) {
            return reject(m.version(), (int8 ? "int8 variant" : "artifact") + " of v" + m.version() + " has "
                    + artifact.length + " bytes and SHA-256 " + Sha256.hex(artifact) + ", the signed manifest says "
                    + signedSize + " bytes and " + signedSha + " (tampered or truncated)", null);
        }
        Architecture architecture;
        Model model;
        try {
            architecture = Architectures.parse(m.architecture());
            String name = config.model() + "-v" + m.version() + (int8 ? "-int8" : "");
            model = int8 ? Int8Artifact.loadModel(architecture, name, artifact)
                    : Models.loadModel(architecture, name, artifact);
        } catch (RuntimeException e) {
            return reject(m.version(), "cannot build " + m.architecture() + " from "
                    + (int8 ? "the int8 variant of " : "") + "v" + m.version() + ": " + e.getMessage(), response.etag());
        }
        ServingModel candidate = new ServingModel(m.version(), model, architecture, artifact, int8);
        Map<String, Double> probe;
        try {
            probe = probe(candidate);
        } catch (ProbeFailure e) {
            candidate.release();
            return reject(m.version(), e.getMessage(), response.etag());
        } catch (RuntimeException e) {
            candidate.release();
            return reject(m.version(), "probe of v" + m.version() + " failed: " + e, response.etag());
        }
        swap(candidate);
        lastEtag = response.etag();
        LOG.info("{}: now serving {} v{}", config.deviceId(), config.model(), m.version());
        report(EdgeStatus.Status.SERVING, probe, "applied v" + m.version());
        return UpdateOutcome.APPLIED;
    }

    private String signatureProblem(CheckpointManifest m) {
        if (!m.isSigned()) {
            return "manifest of v" + m.version() + " is unsigned";
        }
        try {
            if (!verifier.verify(m.canonicalBytes(), m.signature())) {
                return "manifest of v" + m.version() + " signature does not verify with key " + verifier.keyId()
                        + " (signed by " + m.keyId() + ")";
            }
            return null;
        } catch (MalformedSignatureException e) {
            return "manifest of v" + m.version() + " has a malformed signature: " + e.getMessage();
        }
    }

    private byte[] fetchArtifact(CheckpointManifest m) throws IOException, InterruptedException {
        ServingModel held = current.get();
        // an int8 model is no base for a delta between full artifacts
        if (held != null && !held.isInt8() && held.tryAcquire()) {
            try {
                byte[] delta = download(m.version(), "artifacts/" + m.version() + "?delta-from=" + held.version());
                byte[] rebuilt = ArtifactDelta.apply(held.artifact(), delta);
                MetricNames.EDGE_DOWNLOAD_SIZE.summary(registry, "model", config.model(), "kind", "delta")
                        .record(delta.length);
                return rebuilt;
            } catch (UpdateClient.HttpStatusException | ArtifactDelta.DeltaException e) {
                LOG.info("{}: no usable delta from v{} to v{} ({}); downloading the full artifact",
                        config.deviceId(), held.version(), m.version(), e.getMessage());
            } finally {
                held.release();
            }
        }
        byte[] full = download(m.version(), "artifacts/" + m.version());
        MetricNames.EDGE_DOWNLOAD_SIZE.summary(registry, "model", config.model(), "kind", "full").record(full.length);
        return full;
    }

    /** The int8 variant; the caller checks it against the manifest's signed {@code int8Sha256}. */
    private byte[] fetchInt8(CheckpointManifest m) throws IOException, InterruptedException {
        byte[] int8 = download(m.version(), "artifacts/" + m.version() + "?variant=int8");
        MetricNames.EDGE_DOWNLOAD_SIZE.summary(registry, "model", config.model(), "kind", "int8").record(int8.length);
        return int8;
    }

    private byte[] download(long version, String path) throws IOException, InterruptedException {
        UpdateClient.PartialDownloadException last = null;
        for (int attempt = 0; attempt < DOWNLOAD_ATTEMPTS; attempt++) {
            Partial p = partial != null && partial.version == version && partial.path.equals(path) ? partial : null;
            try {
                byte[] bytes = client.download(path, p == null ? null : p.bytes, p == null ? null : p.etag);
                partial = null;
                return bytes;
            } catch (UpdateClient.PartialDownloadException e) {
                last = e;
                if (e.etag != null && e.bytes.length > 0) {
                    partial = new Partial(version, path, e.etag, e.bytes);
                }
                LOG.info("{}: {}; resuming", config.deviceId(), e.getMessage());
            }
        }
        throw last;
    }

    private static final class ProbeFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ProbeFailure(String message) {
            super(message);
        }
    }

    private Map<String, Double> probe(ServingModel candidate) throws ProbeFailure {
        float[] inputs = config.probeInputs();
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (inputs.length == 0) {
            return metrics;
        }
        Architecture arch = candidate.architecture();
        int n = (int) (inputs.length / arch.sampleSize());
        long started = System.nanoTime();
        float[] logits = Models.logits(candidate.model(), arch, inputs, n);
        metrics.put("probe.seconds", (System.nanoTime() - started) / 1e9);
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new ProbeFailure("v" + candidate.version() + " gives non-finite logits on probe sample "
                        + i / arch.numClasses());
            }
        }
        ServingModel serving = current.get();
        if (serving != null && serving.tryAcquire()) {
            try {
                float[] old = Models.logits(serving.model(), serving.architecture(), inputs, n);
                int agree = 0;
                int classes = arch.numClasses();
                for (int s = 0; s < n; s++) {
                    if (argmax(logits, s * classes, classes) == argmax(old, s * classes, classes)) {
                        agree++;
                    }
                }
                double agreement = (double) agree / n;
                metrics.put("probe.agreement", agreement);
                if (agreement < config.agreementFloor()) {
                    throw new ProbeFailure("v" + candidate.version() + " agrees with serving v" + serving.version()
                            + " on " + agree + "/" + n + " probe samples, below the floor " + config.agreementFloor());
                }
            } finally {
                serving.release();
            }
        }
        return metrics;
    }

    private static int argmax(float[] v, int from, int len) {
        int best = from;
        for (int i = from + 1; i < from + len; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best - from;
    }

    private void swap(ServingModel next) {
        ServingModel old = current.getAndSet(next);
        servingVersion.set(next.version());
        ServingModel older = previous;
        previous = old;
        if (older != null) {
            older.release();
        }
    }

    /** Goes back to the previous version, if one is kept; the abandoned version is not taken again. */
    public boolean rollback() {
        synchronized (updateLock) {
            if (previous == null) {
                return false;
            }
            ServingModel bad = current.getAndSet(previous);
            servingVersion.set(previous.version());
            previous = null;
            if (bad != null) {
                rolledBack.add(bad.version());
                bad.release();
            }
            MetricNames.EDGE_UPDATES.counter(registry, "model", config.model(), "outcome", "rolled_back").increment();
            report(EdgeStatus.Status.ROLLED_BACK, Map.of(), "rolled back to v" + servingVersion.get());
            return true;
        }
    }

    private UpdateOutcome reject(long version, String why, String etagToSkip) {
        rejected.incrementAndGet();
        if (etagToSkip != null) {
            lastEtag = etagToSkip;
        }
        LOG.warn("{}: rejected {} v{}: {}; still serving v{}", config.deviceId(), config.model(), version, why,
                servingVersion.get());
        report(EdgeStatus.Status.REJECTED, Map.of("rejected.version", (double) version), why);
        return UpdateOutcome.REJECTED;
    }

    private void report(EdgeStatus.Status status, Map<String, Double> metrics, String message) {
        try {
            reporter.report(new EdgeStatus(config.deviceId(), config.model(), servingVersion.get(), status,
                    clock.millis(), metrics, message.length() > EdgeStatus.MAX_MESSAGE_LENGTH
                            ? message.substring(0, EdgeStatus.MAX_MESSAGE_LENGTH) : message));
        } catch (RuntimeException e) {
            LOG.warn("{}: status report failed: {}", config.deviceId(), e.toString());
        }
    }

    /**
     * Logits for one sample from the model serving at the moment of the call; the result names that version.
     *
     * @throws IllegalStateException if no model has been applied yet
     */
    public Prediction predict(float[] input) {
        for (;;) {
            ServingModel m = current.get();
            if (m == null) {
                throw new IllegalStateException(config.deviceId() + ": no model of " + config.model()
                        + " has been applied yet");
            }
            if (!m.tryAcquire()) {
                continue; // swapped and closed between get and acquire: read the new current
            }
            try {
                long started = System.nanoTime();
                float[] logits = Models.logits(m.model(), m.architecture(), input, 1);
                MetricNames.EDGE_INFERENCE.timer(registry, "model", config.model())
                        .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                return new Prediction(m.version(), logits);
            } finally {
                m.release();
            }
        }
    }

    /** Whether a model has been applied; until then {@link #predict} refuses and {@link #servingVersion} says 0. */
    public boolean isServing() {
        return current.get() != null;
    }

    /** Version being served, 0 before the first update (see {@link #isServing}). */
    public long servingVersion() {
        return servingVersion.get();
    }

    /** Manifests or artifacts rejected since start. */
    public long rejectedCount() {
        return rejected.get();
    }

    public String deviceId() {
        return config.deviceId();
    }

    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
            scheduler = null;
        }
        if (s != null) {
            s.shutdownNow();
        }
        synchronized (updateLock) {
            ServingModel c = current.getAndSet(null);
            if (c != null) {
                c.release();
            }
            if (previous != null) {
                previous.release();
                previous = null;
            }
        }
        reporter.close();
    }
}
