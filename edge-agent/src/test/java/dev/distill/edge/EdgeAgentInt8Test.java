package dev.distill.edge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.checkpoint.InMemoryCheckpointSource;
import dev.distill.common.checkpoint.Int8Artifact;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.signing.Sha256;
import dev.distill.student.http.UpdateApi;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EdgeAgentInt8Test {

    private static final Architecture ARCH = Architectures.parse("mlp:784-16-10");
    private static final ManifestSigner SIGNER = new ManifestSigner(Ed25519Keys.generate());
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final InMemoryCheckpointSource SOURCE = new InMemoryCheckpointSource();
    private static final String TAMPERING_MODEL = "int8-tampered";
    private static ServiceHttpServer server;

    @BeforeAll
    static void startServer() {
        server = ServiceHttpServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        UpdateApi.register(server, SOURCE, null, new SimpleMeterRegistry());
        // a man in the middle for one model: version 2's int8 variant arrives with one byte flipped
        server.addHandler("/models/" + TAMPERING_MODEL + "/artifacts/", ex -> {
            String path = ex.getRequestURI().getPath();
            long version = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
            byte[] full = SOURCE.version(TAMPERING_MODEL, version).orElseThrow().artifact();
            String query = ex.getRequestURI().getQuery();
            byte[] body = full;
            if (query != null && query.contains("variant=int8")) {
                body = Int8Artifact.quantize(ARCH, full);
                if (version == 2) {
                    body[body.length - 5] ^= 1;
                }
            } else if (query != null && query.contains("delta-from")) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static byte[] params(int seed) {
        try (Model m = Models.newModel(ARCH, "m", seed)) {
            return Models.parameterBytes(m);
        }
    }

    /** A checkpoint signed as the publisher signs it: with the hash and size of its int8 variant when asked. */
    private static PublishedCheckpoint published(String model, long version, byte[] artifact, boolean withInt8) {
        CheckpointManifest m = new CheckpointManifest(model, version, ARCH.spec(), 1L, Map.of(), Sha256.hex(artifact),
                artifact.length, 1, 100, SIGNER.keyId(), null);
        if (withInt8) {
            byte[] int8 = Int8Artifact.quantize(ARCH, artifact);
            m = m.withInt8(Sha256.hex(int8), int8.length);
        }
        return new PublishedCheckpoint(m.withSignature(SIGNER.sign(m.canonicalBytes())), artifact);
    }

    private static EdgeAgent agent(String model, SimpleMeterRegistry registry, boolean preferInt8) {
        EdgeAgentConfig config = EdgeAgentConfig.of(URI.create("http://localhost:" + server.port()), model,
                        "device-" + model, SIGNER.publicKey())
                .withPolling(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofMillis(500))
                .withPreferInt8(preferInt8);
        return new EdgeAgent(config, HTTP, s -> { }, registry, Clock.systemUTC(), new Random(1));
    }

    private static float[] input(long seed) {
        Random r = new Random(seed);
        float[] x = new float[(int) ARCH.sampleSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    private static float[] logits(byte[] artifact, boolean int8, float[] x) {
        try (Model m = int8 ? Int8Artifact.loadModel(ARCH, "expected", Int8Artifact.quantize(ARCH, artifact))
                : Models.loadModel(ARCH, "expected", artifact)) {
            return Models.logits(m, ARCH, x, 1);
        }
    }

    private static double downloaded(SimpleMeterRegistry registry, String kind) {
        DistributionSummary s = registry.find("distill.edge.download.size").tag("kind", kind).summary();
        return s == null ? 0 : s.totalAmount();
    }

    @Test
    void agentPreferringInt8DownloadsVerifiesAndServesTheSignedInt8Variant() {
        // Given two versions whose manifests sign their int8 variants
        byte[] v1 = params(21);
        byte[] v2 = params(22);
        SOURCE.put(published("int8-good", 1, v1, true));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        float[] x = input(4);
        try (EdgeAgent agent = agent("int8-good", registry, true)) {
            // When an agent that prefers int8 polls
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);

            // Then it serves the dequantised model: exactly the int8 logits, close to the full ones
            Prediction p = agent.predict(x);
            assertThat(p.version()).isEqualTo(1);
            assertThat(p.logits()).isEqualTo(logits(v1, true, x));
            float[] full = logits(v1, false, x);
            for (int i = 0; i < full.length; i++) {
                assertThat(p.logits()[i]).isCloseTo(full[i], org.assertj.core.data.Offset.offset(0.1f));
            }
            int int8Size = Int8Artifact.quantize(ARCH, v1).length;
            assertThat(downloaded(registry, "int8")).isEqualTo(int8Size);
            assertThat(downloaded(registry, "full")).isZero();
            assertThat((double) v1.length / int8Size).isGreaterThan(3.5);

            // and the next version comes as int8 too (no delta against an int8 model)
            SOURCE.put(published("int8-good", 2, v2, true));
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            assertThat(agent.predict(x).logits()).isEqualTo(logits(v2, true, x));
            assertThat(downloaded(registry, "delta")).isZero();
            assertThat(agent.rejectedCount()).isZero();
        }
    }

    @Test
    void tamperedInt8ByteIsRejectedAndTheAgentKeepsServing() {
        // Given an agent preferring int8 that serves v1, and a v2 whose int8 variant is altered in transit
        SOURCE.put(published(TAMPERING_MODEL, 1, params(31), true));
        byte[] v2 = params(32);
        float[] x = input(5);
        try (EdgeAgent agent = agent(TAMPERING_MODEL, new SimpleMeterRegistry(), true)) {
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            float[] served = agent.predict(x).logits();
            SOURCE.put(published(TAMPERING_MODEL, 2, v2, true));

            // When it polls, the int8 bytes do not match the signed int8Sha256
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.REJECTED);

            // Then v2 is not applied and v1 keeps serving unchanged
            Prediction p = agent.predict(x);
            assertThat(p.version()).isEqualTo(1);
            assertThat(p.logits()).isEqualTo(served);
            assertThat(agent.rejectedCount()).isEqualTo(1);
        }
        // while an agent taking full artifacts applies v2 from the same server
        try (EdgeAgent full = agent(TAMPERING_MODEL, new SimpleMeterRegistry(), false)) {
            assertThat(full.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            assertThat(full.predict(x).logits()).isEqualTo(logits(v2, false, x));
        }
    }

    @Test
    void agentPreferringInt8TakesTheFullArtifactWhenTheManifestSignsNoInt8Variant() {
        // Given a manifest from before int8 hashes were signed
        byte[] v1 = params(41);
        SOURCE.put(published("int8-unsigned", 1, v1, false));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        float[] x = input(6);
        try (EdgeAgent agent = agent("int8-unsigned", registry, true)) {
            // When the agent polls, then it applies the full artifact (the unsigned int8 variant is never trusted)
            assertThat(agent.pollOnce()).isEqualTo(UpdateOutcome.APPLIED);
            assertThat(agent.predict(x).logits()).isEqualTo(logits(v1, false, x));
            assertThat(downloaded(registry, "int8")).isZero();
            assertThat(downloaded(registry, "full")).isEqualTo(v1.length);
        }
    }
}
