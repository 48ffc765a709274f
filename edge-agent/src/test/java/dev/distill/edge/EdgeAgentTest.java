package dev.distill.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import dev.distill.common.checkpoint.InMemoryCheckpointSource;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.event.EdgeStatus;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.signing.Sha256;
import dev.distill.student.http.UpdateApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.FloatBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EdgeAgentTest {

    private static final Architecture ARCH = Architectures.parse("mlp:784-16-10");
    private static final Architecture TINY = Architectures.parse("mlp:4-3-2");
    private static final String TOKEN = "edge-token";
    private static final ManifestSigner SIGNER = new ManifestSigner(Ed25519Keys.generate());
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final InMemoryCheckpointSource SOURCE = new InMemoryCheckpointSource();
    private static final PrometheusMeterRegistry API_METRICS = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private static final List<EdgeStatus> REPORTS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger FLAKY_REQUESTS = new AtomicInteger();
    private static final List<String> FLAKY_RANGES = new CopyOnWriteArrayList<>();
    private static ServiceHttpServer server;

    @BeforeAll
    static void startServer() {
        server = ServiceHttpServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        UpdateApi.register(server, SOURCE, TOKEN, API_METRICS);
        // artifacts of model "flaky": the first transfer breaks half-way, later ones honour Range
        server.addHandler("/models/flaky/artifacts/", ex -> {
            byte[] body = SOURCE.latest("flaky").orElseThrow().artifact();
            String range = ex.getRequestHeaders().getFirst("Range");
            ex.getResponseHeaders().set("ETag", "\"flaky\"");
            if (FLAKY_REQUESTS.getAndIncrement() == 0) {
                ex.sendResponseHeaders(200, body.length);
                OutputStream out = ex.getResponseBody();
                out.write(body, 0, body.length / 2);
                out.flush();
                throw new java.io.IOException("simulated network break");
            }
            FLAKY_RANGES.add(range);
            int from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body, from, body.length - from);
            }
        });
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    static PublishedCheckpoint signed(ManifestSigner signer, String model, Architecture arch, long version,
                                      byte[] artifact, byte[] served, int rollout, boolean sign) {
        CheckpointManifest m = new CheckpointManifest(model, version, arch.spec(), 1L, Map.of(), Sha256.hex(artifact),
                artifact.length, 1, rollout, signer.keyId(), null);
        return new PublishedCheckpoint(sign ? m.withSignature(signer.sign(m.canonicalBytes())) : m, served);
    }

    static PublishedCheckpoint good(String model, Architecture arch, long version, byte[] artifact, int rollout) {
        return signed(SIGNER, model, arch, version, artifact, artifact, rollout, true);
    }

    static byte[] params(Architecture arch, int seed) {
        try (Model m = Models.newModel(arch, "m", seed)) {
            return Models.parameterBytes(m);
        }
    }

    static float[] input(int n, long size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[(int) (n * size)];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    static EdgeAgent agent(String model, String deviceId, float[] probe) {
        EdgeAgentConfig config = EdgeAgentConfig.of(URI.create("http://localhost:" + server.port()), model, deviceId,
                        SIGNER.publicKey()).withToken(TOKEN).withProbe(probe, 0.0)
                .withPolling(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500));
        return new EdgeAgent(config, HTTP, REPORTS::add, new SimpleMeterRegistry(), Clock.systemUTC(), new Random(1));
    }

    @Test
    void appliesTheFirstPublishedVersionZeroWhenNothingIsServedYet() {
        // Given a trainer whose only published checkpoint is v0 (versions start at 0)
        SOURCE.put(good("first", ARCH, 0, params(ARCH, 3), 100));
        try (EdgeAgent agent = agent("first", "device-first", input(8, ARCH.sampleSize(), 9))) {
            // When a fresh agent polls
            UpdateOutcome outcome = agent.pollOnce();

            // Then it applies v0 and serves it
            assertThat(outcome).isEqualTo(UpdateOutcome.APPLIED);
            assertThat(agent.isServing()).isTrue();
            assertThat(agent.predict(input(1, ARCH.sampleSize(), 4)).version()).isZero();
            assertThat(agent.pollOnce()).as("the same manifest again").isEqualTo(UpdateOutcome.NOT_MODIFIED);
        }
    }

    @Test
    void rejectsTamperedWrongKeyTruncatedUnsignedAndNaNArtifactsWhileServing() {
        byte[] v1 = params(ARCH, 1);
        byte[] v2 = params(ARCH, 2);
        SOURCE.put(good("guarded", ARCH, 1, v1, 100));
        float[] x = input(1, ARCH.sampleSize(), 5);
        try (EdgeAgent agent = agent("guarded", "device-guarded", input(8, ARCH.sampleSize(), 9))) {
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            float[] served = agent.predict(x).logits();

            byte[] tampered = v2.clone();
            tampered[tampered.length / 2] ^= 1;
            byte[] nan;
            try (Model m = Models.loadModel(ARCH, "nan", v2)) {
                NDArray w = m.getBlock().getParameters().get(0).getValue().getArray();
                float[] nans = new float[(int) w.size()];
                Arrays.fill(nans, Float.NaN);
                w.set(FloatBuffer.wrap(nans));
                nan = Models.parameterBytes(m);
            }
            ManifestSigner otherKey = new ManifestSigner(Ed25519Keys.generate());
            List<PublishedCheckpoint> bad = List.of(
                    signed(SIGNER, "guarded", ARCH, 2, v2, tampered, 100, true),                 // tampered byte
                    signed(otherKey, "guarded", ARCH, 3, v2, v2, 100, true),                    // wrong key
                    signed(SIGNER, "guarded", ARCH, 4, v2, Arrays.copyOf(v2, v2.length / 2), 100, true), // truncated
                    signed(SIGNER, "guarded", ARCH, 5, v2, v2, 100, false),                     // unsigned
                    good("guarded", ARCH, 6, nan, 100));                                        // fails the probe
            for (PublishedCheckpoint b : bad) {
                SOURCE.put(b);
                assertThat(agent.pollOnce()).as("v%d", b.version()).isEqualTo(UpdateOutcome.REJECTED);
                Prediction p = agent.predict(x);
                assertThat(p.version()).isEqualTo(1);
                assertThat(p.logits()).isEqualTo(served);
                SOURCE.remove("guarded", b.version());
            }
            assertThat(agent.rejectedCount()).isEqualTo(5);
            assertThat(REPORTS).filteredOn(s -> s.deviceId().equals("device-guarded")
                    && s.status() == EdgeStatus.Status.REJECTED).hasSize(5);

            // a good version afterwards is applied (as a delta against v1) and can be rolled back
            SOURCE.put(good("guarded", ARCH, 7, v2, 100));
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            assertThat(agent.predict(x).version()).isEqualTo(7);
            assertThat(agent.rollback()).isTrue();
            assertThat(agent.predict(x).version()).isEqualTo(1);
            assertThat(agent.pollOnce()).isIn(UpdateOutcome.NOT_MODIFIED, UpdateOutcome.UP_TO_DATE);
            assertThat(agent.servingVersion()).isEqualTo(1);
        }
    }

    @Test
    void survivesServerDownAndResumesBrokenDownloadWithRange() {
        EdgeAgentConfig nowhere = EdgeAgentConfig.of(URI.create("http://localhost:1"), "flaky", "d", SIGNER.publicKey());
        try (EdgeAgent offline = new EdgeAgent(nowhere, HTTP, s -> { }, new SimpleMeterRegistry(), Clock.systemUTC(),
                new Random(1))) {
            assertThat(offline.pollOnce()).isEqualTo(UpdateOutcome.FAILED);
            assertThat(offline.nextDelay(UpdateOutcome.FAILED)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        }
        SOURCE.put(good("flaky", ARCH, 1, params(ARCH, 3), 100));
        try (EdgeAgent agent = agent("flaky", "device-flaky", new float[0])) {
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            assertThat(FLAKY_RANGES).hasSize(1).first().asString().startsWith("bytes=").doesNotStartWith("bytes=0-");
        }
    }

    @Test
    void concurrentPredictionsDuringSwapNeverFailAndNeverMixVersions() throws Exception {
        byte[] v1 = params(ARCH, 11);
        byte[] v2 = params(ARCH, 12);
        float[] x = input(1, ARCH.sampleSize(), 3);
        Map<Long, float[]> expected = new ConcurrentHashMap<>();
        try (Model a = Models.loadModel(ARCH, "a", v1); Model b = Models.loadModel(ARCH, "b", v2)) {
            expected.put(1L, Models.logits(a, ARCH, x, 1));
            expected.put(2L, Models.logits(b, ARCH, x, 1));
        }
        SOURCE.put(good("swap", ARCH, 1, v1, 100));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (EdgeAgent agent = agent("swap", "device-swap", new float[0])) {
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong failures = new AtomicLong();
            AtomicLong mixed = new AtomicLong();
            Map<Long, AtomicLong> byVersion = new ConcurrentHashMap<>();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            Prediction p = agent.predict(x);
                            byVersion.computeIfAbsent(p.version(), v -> new AtomicLong()).incrementAndGet();
                            if (!Arrays.equals(p.logits(), expected.get(p.version()))) {
                                mixed.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failures.incrementAndGet();
                        }
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> byVersion.containsKey(1L));
            SOURCE.put(good("swap", ARCH, 2, v2, 100));
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            long afterSwap = byVersion.getOrDefault(2L, new AtomicLong()).get();
            await().atMost(Duration.ofSeconds(10)).until(() -> byVersion.get(2L) != null && byVersion.get(2L).get() > afterSwap + 50);
            stop.set(true);
            for (Future<?> w : workers) {
                w.get();
            }
            assertThat(failures.get()).isZero();
            assertThat(mixed.get()).isZero();
            assertThat(byVersion.keySet()).containsExactlyInAnyOrder(1L, 2L);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fleetOfAgentsPollingOneServerGets304sAndConvergesOnNewVersion() {
        SOURCE.put(good("fleet", TINY, 1, params(TINY, 1), 100));
        List<EdgeAgent> fleet = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                EdgeAgent a = agent("fleet", "fleet-device-" + i, new float[0]);
                fleet.add(a);
                a.start();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> fleet.stream().allMatch(a -> a.servingVersion() == 1));
            await().atMost(Duration.ofSeconds(30)).until(() -> notModified() > 200);

            SOURCE.put(good("fleet", TINY, 2, params(TINY, 2), 100));

            await().atMost(Duration.ofSeconds(60)).until(() -> fleet.stream().allMatch(a -> a.servingVersion() == 2));
            assertThat(fleet).allSatisfy(a -> assertThat(a.rejectedCount()).isZero());
        } finally {
            fleet.forEach(EdgeAgent::close);
        }
    }

    private static double notModified() {
        var c = API_METRICS.find("distill.update.requests").tags("model", "fleet", "response", "not_modified").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void stagedRolloutAt25PercentUpdatesAboutAQuarterOfTheFleet() {
        SOURCE.put(good("staged", TINY, 1, params(TINY, 4), 25));
        int n = 200;
        int applied = 0;
        int expected = 0;
        for (int i = 0; i < n; i++) {
            String id = "staged-device-" + i;
            try (EdgeAgent a = agent("staged", id, new float[0])) {
                UpdateOutcome o = a.pollOnce();
                assertThat(o).isIn(UpdateOutcome.APPLIED, UpdateOutcome.NOT_IN_ROLLOUT);
                applied += o == UpdateOutcome.APPLIED ? 1 : 0;
                expected += Rollout.applies(id, 25) ? 1 : 0;
            }
        }
        // binomial(200, 0.25): mean 50, sd 6.1; ±4 sd
        assertThat(applied).isEqualTo(expected).isBetween(26, 74);
        assertThat(Rollout.bucket("device-x")).isEqualTo(Rollout.bucket("device-x")).isBetween(0, 99);
    }
}
