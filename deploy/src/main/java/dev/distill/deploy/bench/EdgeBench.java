package dev.distill.deploy.bench;

import ai.djl.Model;
import dev.distill.common.checkpoint.ArtifactDelta;
import dev.distill.common.checkpoint.InMemoryCheckpointSource;
import dev.distill.common.checkpoint.Int8Artifact;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.signing.Sha256;
import dev.distill.student.http.UpdateApi;
import dev.distill.student.training.Batch;
import dev.distill.student.training.OnlineStudent;
import dev.distill.student.training.StudentConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the edge update path costs, in one run without Kafka: trains a student briefly on Fashion-MNIST, snapshots a
 * version every {@code K} steps as the publisher would, and measures per consecutive version the full, delta
 * ({@link ArtifactDelta}) and int8 ({@link Int8Artifact}) sizes, the int8 accuracy drop on the test split, and the
 * update API's conditional manifest-poll throughput (concurrent {@code If-None-Match} polls against a real
 * {@link UpdateApi} on the JDK HTTP server on loopback, all answered 304). Ends with one machine-readable line
 * {@code edge-bench full_bytes=... delta_bytes=... int8_bytes=... int8_acc_drop=... polls_per_s=...}.
 *
 * <p>Lives in {@code deploy} because it needs the update API (student-service) while the edge runtime must stay free
 * of Kafka Streams. Run with {@code -Dai.djl.pytorch.num_threads=1 -Dai.djl.offline=true}.
 */
public final class EdgeBench {

    private static final String MODEL = "edge-bench";

    /** Run settings; {@link #defaults()} trains 6 000 examples in batches of 32 and snapshots every 25 steps. */
    public record Settings(Path datasetDir, String architecture, int trainExamples, int batch, int snapshotEverySteps,
                           int pollClients, int maxPolls, Duration maxPollTime) {

        public Settings {
            if (trainExamples < batch * snapshotEverySteps * 2) {
                throw new IllegalArgumentException("edge bench needs at least two versions: " + trainExamples
                        + " examples in batches of " + batch + " give fewer than 2 snapshots every "
                        + snapshotEverySteps + " steps; train more examples or snapshot more often");
            }
            if (pollClients < 1 || maxPolls < 1 || maxPollTime.isNegative() || maxPollTime.isZero()) {
                throw new IllegalArgumentException("poll clients, poll count and poll time must be positive, got "
                        + pollClients + ", " + maxPolls + ", " + maxPollTime);
            }
        }

        public static Settings defaults() {
            return new Settings(FashionMnist.resolveDir(null, System.getenv()), "mlp:784-128-10", 6000, 32, 25, 16,
                    50_000, Duration.ofSeconds(10));
        }
    }

    /** Sizes of one published version; {@code deltaBytes} is against the version before it (-1 for the first). */
    public record VersionSizes(long version, long steps, int fullBytes, int deltaBytes, int int8Bytes) {}

    /**
     * Figures of one run. Byte counts are means over consecutive versions (the first version has no delta);
     * {@code int8AccDrop} is fp32 minus int8 test accuracy of the last version, in percentage points.
     */
    public record Result(String architecture, List<VersionSizes> versions, double fullBytes, double deltaBytes,
                         double int8Bytes, double fp32Accuracy, double int8Accuracy, double int8AccDrop, long polls,
                         long notModified, double pollSeconds, double pollsPerSecond, int pollClients) {

        public Result {
            versions = List.copyOf(versions);
        }

        public String line() {
            return String.format(Locale.ROOT,
                    "edge-bench full_bytes=%.0f delta_bytes=%.0f int8_bytes=%.0f int8_acc_drop=%.2f polls_per_s=%.0f"
                            + " delta_ratio=%.3f int8_ratio=%.3f fp32_acc=%.4f int8_acc=%.4f versions=%d polls=%d"
                            + " not_modified=%d poll_clients=%d poll_seconds=%.2f arch=%s",
                    fullBytes, deltaBytes, int8Bytes, int8AccDrop, pollsPerSecond, deltaBytes / fullBytes,
                    int8Bytes / fullBytes, fp32Accuracy, int8Accuracy, versions.size(), polls, notModified,
                    pollClients, pollSeconds, architecture);
        }
    }

    private EdgeBench() {}

    public static void main(String[] args) throws Exception {
        Settings d = Settings.defaults();
        Settings s = new Settings(d.datasetDir(), args.length > 0 ? args[0] : d.architecture(),
                args.length > 1 ? Integer.parseInt(args[1]) : d.trainExamples(), d.batch(),
                args.length > 2 ? Integer.parseInt(args[2]) : d.snapshotEverySteps(),
                args.length > 3 ? Integer.parseInt(args[3]) : d.pollClients(), d.maxPolls(), d.maxPollTime());
        System.out.println(run(s, System.out).line());
    }

    /** One run; progress goes to {@code progress}, the figures are returned. */
    public static Result run(Settings settings, PrintStream progress) throws IOException, InterruptedException {
        Architecture arch = Architectures.parse(settings.architecture());
        LabelledImages train = FashionMnist.load(settings.datasetDir(), Split.TRAIN);
        LabelledImages test = FashionMnist.load(settings.datasetDir(), Split.TEST);

        List<byte[]> snapshots = new ArrayList<>();
        List<Long> snapshotSteps = new ArrayList<>();
        // hard labels only (alpha = 1): the bench measures artifacts, not distillation quality
        StudentConfig config = new StudentConfig(arch.spec(), 4f, 1f, 1e-3f, settings.batch(), 42);
        try (OnlineStudent student = OnlineStudent.create(config, Clock.systemUTC())) {
            int steps = settings.trainExamples() / settings.batch();
            for (int step = 0; step < steps; step++) {
                student.step(batch(train, step * settings.batch(), settings.batch(), arch.numClasses()));
                if (student.steps() % settings.snapshotEverySteps() == 0) {
                    snapshots.add(student.parameterBytes());
                    snapshotSteps.add(student.steps());
                }
            }
        }
        progress.printf(Locale.ROOT, "trained %d steps of %d on %d Fashion-MNIST examples, %d versions%n",
                snapshotSteps.get(snapshotSteps.size() - 1), settings.batch(), settings.trainExamples(),
                snapshots.size());

        List<VersionSizes> sizes = new ArrayList<>();
        double full = 0;
        double delta = 0;
        double int8 = 0;
        for (int v = 0; v < snapshots.size(); v++) {
            byte[] artifact = snapshots.get(v);
            int d = v == 0 ? -1 : ArtifactDelta.create(snapshots.get(v - 1), artifact).length;
            int q = Int8Artifact.quantize(arch, artifact).length;
            sizes.add(new VersionSizes(v + 1, snapshotSteps.get(v), artifact.length, d, q));
            progress.printf(Locale.ROOT, "v%d (step %d): full=%d delta=%s int8=%d%n", v + 1, snapshotSteps.get(v),
                    artifact.length, d < 0 ? "-" : Integer.toString(d), q);
            if (v > 0) {
                full += artifact.length;
                delta += d;
                int8 += q;
            }
        }
        int pairs = snapshots.size() - 1;

        byte[] last = snapshots.get(snapshots.size() - 1);
        double fp32Acc;
        double int8Acc;
        try (Model fp32 = Models.loadModel(arch, "bench-fp32", last);
             Model q = Int8Artifact.loadModel(arch, "bench-int8", Int8Artifact.quantize(arch, last))) {
            fp32Acc = Models.accuracy(fp32, arch, test);
            int8Acc = Models.accuracy(q, arch, test);
        }
        progress.printf(Locale.ROOT, "test accuracy of v%d: fp32 %.4f, int8 %.4f%n", snapshots.size(), fp32Acc, int8Acc);

        Polls polls = pollThroughput(arch, snapshots.size(), last, settings);
        progress.printf(Locale.ROOT, "%d manifest polls (%d answered 304) from %d clients in %.2f s%n", polls.count,
                polls.notModified, settings.pollClients(), polls.seconds);
        return new Result(arch.spec(), sizes, full / pairs, delta / pairs, int8 / pairs, fp32Acc, int8Acc,
                (fp32Acc - int8Acc) * 100, polls.count, polls.notModified, polls.seconds,
                polls.count / polls.seconds, settings.pollClients());
    }

    private static Batch batch(LabelledImages images, int from, int n, int classes) {
        int size = images.imageSize();
        float[] x = new float[n * size];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int index = (from + i) % images.count();
            images.copyImage(index, x, i * size);
            labels[i] = images.label(index);
        }
        return new Batch(n, x, new float[n * classes], new boolean[n], labels);
    }


    private record Polls(long count, long notModified, double seconds) {}

    private static Polls pollThroughput(Architecture arch, long version, byte[] artifact, Settings settings)
            throws IOException, InterruptedException {
        ManifestSigner signer = new ManifestSigner(Ed25519Keys.generate());
        byte[] int8 = Int8Artifact.quantize(arch, artifact);
        CheckpointManifest m = new CheckpointManifest(MODEL, version, arch.spec(), System.currentTimeMillis(), Map.of(),
                Sha256.hex(artifact), artifact.length, 1, 100, signer.keyId(), null, Sha256.hex(int8),
                (long) int8.length);
        InMemoryCheckpointSource source = new InMemoryCheckpointSource();
        source.put(new PublishedCheckpoint(m.withSignature(signer.sign(m.canonicalBytes())), artifact));

        ServiceHttpServer server = ServiceHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        ExecutorService clients = Executors.newFixedThreadPool(settings.pollClients());
        try {
            UpdateApi.register(server, source, null, new SimpleMeterRegistry());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.port()
                    + UpdateApi.PATH + MODEL + "/manifest");
            HttpResponse<Void> first = http.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            String etag = first.headers().firstValue("ETag").orElseThrow(() ->
                    new IOException("update API answered " + first.statusCode() + " without an ETag at " + uri));
            HttpRequest poll = HttpRequest.newBuilder(uri).header("If-None-Match", etag)
                    .timeout(Duration.ofSeconds(10)).GET().build();
            // warm-up: connections, JIT
            for (int i = 0; i < 200; i++) {
                http.send(poll, HttpResponse.BodyHandlers.discarding());
            }
            AtomicLong issued = new AtomicLong();
            AtomicLong done = new AtomicLong();
            AtomicLong notModified = new AtomicLong();
            long deadline = System.nanoTime() + settings.maxPollTime().toNanos();
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < settings.pollClients(); c++) {
                workers.add(clients.submit(() -> {
                    while (issued.incrementAndGet() <= settings.maxPolls() && System.nanoTime() < deadline) {
                        HttpResponse<Void> r = http.send(poll, HttpResponse.BodyHandlers.discarding());
                        done.incrementAndGet();
                        if (r.statusCode() == 304) {
                            notModified.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                try {
                    w.get();
                } catch (ExecutionException e) {
                    throw new IOException("manifest poll failed: " + e.getCause(), e.getCause());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Polls(done.get(), notModified.get(), seconds);
        } finally {
            clients.shutdownNow();
            server.close();
        }
    }
}
