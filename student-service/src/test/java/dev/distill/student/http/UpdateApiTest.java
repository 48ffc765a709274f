package dev.distill.student.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.checkpoint.ArtifactDelta;
import dev.distill.common.checkpoint.InMemoryCheckpointSource;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import dev.distill.common.signing.Sha256;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UpdateApiTest {

    private static final String TOKEN = "s3cret-token";
    private static final Architecture ARCH = Architectures.parse("mlp:784-16-10");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ManifestSigner SIGNER = new ManifestSigner(Ed25519Keys.generate());
    private static final InMemoryCheckpointSource SOURCE = new InMemoryCheckpointSource();
    private static ServiceHttpServer server;
    private static byte[] v1;
    private static byte[] v2;

    static PublishedCheckpoint signed(String model, long version, byte[] artifact, int rollout) {
        CheckpointManifest m = new CheckpointManifest(model, version, ARCH.spec(), 1L, Map.of(), Sha256.hex(artifact),
                artifact.length, 1, rollout, SIGNER.keyId(), null);
        return new PublishedCheckpoint(m.withSignature(SIGNER.sign(m.canonicalBytes())), artifact);
    }

    @BeforeAll
    static void start() {
        try (Model a = Models.newModel(ARCH, "a", 1); Model b = Models.newModel(ARCH, "b", 2)) {
            v1 = Models.parameterBytes(a);
            v2 = Models.parameterBytes(b);
        }
        SOURCE.put(signed("student", 1, v1, 100));
        SOURCE.put(signed("student", 2, v2, 100));
        server = ServiceHttpServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        UpdateApi.register(server, SOURCE, TOKEN, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> authed(String path, String... headers) throws Exception {
        String[] all = Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "Authorization";
        all[headers.length + 1] = "Bearer " + TOKEN;
        return get(path, all);
    }

    @Test
    void manifestHasStrongEtagAndAnswers304WhenUnchanged() throws Exception {
        HttpResponse<byte[]> first = authed("/models/student/manifest");
        assertThat(first.statusCode()).isEqualTo(200);
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).startsWith("\"v2-").endsWith("\"");
        CheckpointManifest m = new CheckpointManifestCodec().decode(first.body(), null);
        assertThat(m.version()).isEqualTo(2);
        assertThat(SIGNER.verifier().verify(m.canonicalBytes(), m.signature())).isTrue();

        HttpResponse<byte[]> second = authed("/models/student/manifest", "If-None-Match", etag);
        assertThat(second.statusCode()).isEqualTo(304);
        assertThat(second.body()).isEmpty();

        assertThat(authed("/models/student/manifest", "If-None-Match", "\"v1-0000\"").statusCode()).isEqualTo(200);
        assertThat(authed("/models/nobody/manifest").statusCode()).isEqualTo(404);
    }

    @Test
    void rejectsMissingOrWrongBearerToken() throws Exception {
        assertThat(get("/models/student/manifest").statusCode()).isEqualTo(401);
        assertThat(get("/models/student/manifest", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(get("/models/student/manifest", "Authorization", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(get("/models/student/artifacts/2").headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(authed("/models/student/manifest").statusCode()).isEqualTo(200);
    }

    @Test
    void fullArtifactResumesWithRange() throws Exception {
        HttpResponse<byte[]> full = authed("/models/student/artifacts/2");
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(full.body()).isEqualTo(v2);
        String etag = full.headers().firstValue("ETag").orElseThrow();

        // a download broken after 1000 bytes resumes from there
        HttpResponse<byte[]> rest = authed("/models/student/artifacts/2", "Range", "bytes=1000-", "If-Range", etag);
        assertThat(rest.statusCode()).isEqualTo(206);
        assertThat(rest.headers().firstValue("Content-Range")).hasValue("bytes 1000-" + (v2.length - 1) + "/" + v2.length);
        byte[] joined = new byte[v2.length];
        System.arraycopy(v2, 0, joined, 0, 1000);
        System.arraycopy(rest.body(), 0, joined, 1000, rest.body().length);
        assertThat(joined).isEqualTo(v2);

        // a stale If-Range sends everything again; a range past the end is unsatisfiable
        assertThat(authed("/models/student/artifacts/2", "Range", "bytes=1000-", "If-Range", "\"other\"").statusCode())
                .isEqualTo(200);
        assertThat(authed("/models/student/artifacts/2", "Range", "bytes=" + v2.length + "-").statusCode()).isEqualTo(416);
        assertThat(authed("/models/student/artifacts/9").statusCode()).isEqualTo(404);
    }

    @Test
    void deltaAppliedToBaseIsTheNewArtifactBitForBit() throws Exception {
        HttpResponse<byte[]> delta = authed("/models/student/artifacts/2?delta-from=1");
        assertThat(delta.statusCode()).isEqualTo(200);
        assertThat(delta.headers().firstValue("Content-Type")).hasValue(ArtifactDelta.CONTENT_TYPE);

        assertThat(ArtifactDelta.apply(v1, delta.body())).isEqualTo(v2);
        assertThat(authed("/models/student/artifacts/2?delta-from=7").statusCode()).isEqualTo(404);
    }

    @Test
    void int8VariantIsAtLeast3point5TimesSmaller() throws Exception {
        HttpResponse<byte[]> int8 = authed("/models/student/artifacts/2?variant=int8");
        assertThat(int8.statusCode()).isEqualTo(200);
        assertThat((double) v2.length / int8.body().length).isGreaterThanOrEqualTo(3.5);
        assertThat(authed("/models/student/artifacts/2?variant=fp16").statusCode()).isEqualTo(400);
    }
}
