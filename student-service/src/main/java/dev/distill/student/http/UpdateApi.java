package dev.distill.student.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.distill.common.checkpoint.ArtifactDelta;
import dev.distill.common.checkpoint.CheckpointSource;
import dev.distill.common.checkpoint.Int8Artifact;
import dev.distill.common.checkpoint.PublishedCheckpoint;
import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.metrics.MetricNames;
import dev.distill.common.metrics.ServiceHttpServer;
import dev.distill.common.model.Architectures;
import dev.distill.common.serde.CheckpointManifestCodec;
import dev.distill.common.serde.Encoding;
import dev.distill.common.signing.Sha256;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The update API that edge agents poll, served from a {@link CheckpointSource} (in production the
 * {@link dev.distill.common.checkpoint.CheckpointTopicReader}, so a restarted server serves the same versions).
 *
 * <ul>
 *   <li>{@code GET /models/{model}/manifest} — the signed manifest as JSON with a strong {@code ETag};
 *       {@code If-None-Match} with that tag answers 304. The manifest carries the staged-rollout percentage; each agent
 *       decides from a stable hash of its device id whether the version applies to it.</li>
 *   <li>{@code GET /models/{model}/artifacts/{version}} — the full artifact (DJL parameter bytes), with
 *       {@code Range}/{@code If-Range} support (206) for resuming broken downloads.</li>
 *   <li>{@code ...?delta-from={base}} — an {@link ArtifactDelta} from {@code base} to {@code version}; 404 when the
 *       base is no longer held (the agent then downloads the full artifact).</li>
 *   <li>{@code ...?variant=int8} — an {@link Int8Artifact} (about 4× smaller), verified by the agent against the
 *       manifest's signed {@code int8Sha256}; the publisher and this API must quantise with the same code.</li>
 * </ul>
 * With a bearer token configured every request must carry {@code Authorization: Bearer <token>}, else 401.
 * Model names are path segments (percent-encoded when they contain {@code /}).
 */
public final class UpdateApi implements HttpHandler {

    public static final String PATH = "/models/";
    private static final Logger LOG = LoggerFactory.getLogger(UpdateApi.class);
    private static final int CACHE_ENTRIES = 16;

    private final CheckpointSource source;
    private final byte[] token;
    private final MeterRegistry registry;
    private final CheckpointManifestCodec codec = new CheckpointManifestCodec();
    private final Map<String, byte[]> derived = new LinkedHashMap<>(32, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    /** @param bearerToken null or blank for no authentication */
    public UpdateApi(CheckpointSource source, String bearerToken, MeterRegistry registry) {
        this.source = Objects.requireNonNull(source, "source");
        this.token = bearerToken == null || bearerToken.isBlank() ? null : bearerToken.getBytes(StandardCharsets.UTF_8);
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Adds the update API to a service's HTTP server under {@value #PATH}. */
    public static UpdateApi register(ServiceHttpServer server, CheckpointSource source, String bearerToken,
                                     MeterRegistry registry) {
        UpdateApi api = new UpdateApi(source, bearerToken, registry);
        server.addHandler(PATH, api);
        return api;
    }

    /** The strong validator of a manifest: its version and a hash of all its fields (rollout and signature included). */
    public static String manifestEtag(byte[] encodedManifest, long version) {
        return "\"v" + version + "-" + Sha256.hex(encodedManifest).substring(0, 16) + "\"";
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            text(ex, 405, "only GET and HEAD are supported", "error", "unknown");
            return;
        }
        if (token != null && !authorised(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"distill-updates\"");
            text(ex, 401, "missing or wrong bearer token", "error", "unknown");
            return;
        }
        String[] parts = ex.getRequestURI().getRawPath().substring(PATH.length()).split("/", -1);
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        if (parts.length == 2 && "manifest".equals(parts[1])) {
            manifest(ex, decode(parts[0]));
        } else if (parts.length == 3 && "artifacts".equals(parts[1])) {
            String model = decode(parts[0]);
            long version;
            try {
                version = Long.parseLong(parts[2]);
            } catch (NumberFormatException e) {
                text(ex, 400, "artifact version '" + parts[2] + "' is not a number", "error", model);
                return;
            }
            artifact(ex, model, version, query);
        } else {
            text(ex, 404, "no such resource; use /models/{model}/manifest or /models/{model}/artifacts/{version}",
                    "error", "unknown");
        }
    }

    private boolean authorised(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token); // constant time for equal lengths
    }

    private void manifest(HttpExchange ex, String model) throws IOException {
        Optional<PublishedCheckpoint> latest = source.latest(model);
        if (latest.isEmpty()) {
            text(ex, 404, "no published checkpoint for model '" + model + "'", "error", model);
            return;
        }
        CheckpointManifest m = latest.get().manifest();
        byte[] body = codec.encode(m, Encoding.JSON);
        String etag = manifestEtag(body, m.version());
        ex.getResponseHeaders().set("ETag", etag);
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (matches(ex.getRequestHeaders().getFirst("If-None-Match"), etag)) {
            count(model, "not_modified");
            ex.sendResponseHeaders(304, -1);
            return;
        }
        count(model, "manifest");
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, 200, body);
    }

    private void artifact(HttpExchange ex, String model, long version, Map<String, String> query) throws IOException {
        Optional<PublishedCheckpoint> checkpoint = source.version(model, version);
        if (checkpoint.isEmpty()) {
            text(ex, 404, "model '" + model + "' version " + version + " is not held (tombstoned or never published)",
                    "error", model);
            return;
        }
        PublishedCheckpoint c = checkpoint.get();
        String deltaFrom = query.get("delta-from");
        String variant = query.getOrDefault("variant", "full");
        byte[] body;
        String etag;
        String kind;
        String contentType;
        if (deltaFrom != null) {
            if (!"full".equals(variant)) {
                text(ex, 400, "delta-from cannot be combined with variant=" + variant, "error", model);
                return;
            }
            long base;
            try {
                base = Long.parseLong(deltaFrom);
            } catch (NumberFormatException e) {
                text(ex, 400, "delta-from '" + deltaFrom + "' is not a version number", "error", model);
                return;
            }
            Optional<PublishedCheckpoint> baseCheckpoint = source.version(model, base);
            if (baseCheckpoint.isEmpty()) {
                text(ex, 404, "base version " + base + " of model '" + model
                        + "' is not held; download the full artifact", "error", model);
                return;
            }
            body = cached(model + "/" + version + "/delta/" + base + "/" + c.manifest().sha256(),
                    () -> ArtifactDelta.create(baseCheckpoint.get().artifact(), c.artifact()));
            etag = "\"" + c.manifest().sha256() + "-d" + base + "\"";
            kind = "delta";
            contentType = ArtifactDelta.CONTENT_TYPE;
        } else if ("int8".equals(variant)) {
            try {
                body = cached(model + "/" + version + "/int8/" + c.manifest().sha256(), () -> Int8Artifact.quantize(
                        Architectures.parse(c.manifest().architecture()), c.artifact()));
            } catch (RuntimeException e) {
                LOG.warn("int8 variant of {} v{} failed", model, version, e);
                text(ex, 500, "cannot quantise " + model + " v" + version + ": " + e.getMessage(), "error", model);
                return;
            }
            etag = "\"" + c.manifest().sha256() + "-int8\"";
            kind = "int8";
            contentType = Int8Artifact.CONTENT_TYPE;
        } else if ("full".equals(variant)) {
            body = c.artifact();
            etag = "\"" + c.manifest().sha256() + "\"";
            kind = "full";
            contentType = "application/octet-stream";
        } else {
            text(ex, 400, "unknown variant '" + variant + "'; known: full, int8", "error", model);
            return;
        }
        ex.getResponseHeaders().set("ETag", etag);
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.getResponseHeaders().set("Content-Type", contentType);
        // artifacts of a version never change, so they may be cached for ever
        ex.getResponseHeaders().set("Cache-Control", "public, max-age=31536000, immutable");
        if (matches(ex.getRequestHeaders().getFirst("If-None-Match"), etag)) {
            count(model, "not_modified");
            ex.sendResponseHeaders(304, -1);
            return;
        }
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        Optional<ByteRange> range = Optional.empty();
        if (ifRange == null || ifRange.strip().equals(etag)) {
            try {
                range = ByteRange.parse(ex.getRequestHeaders().getFirst("Range"), body.length);
            } catch (ByteRange.Unsatisfiable e) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + body.length);
                text(ex, 416, e.getMessage(), "error", model);
                return;
            }
        }
        count(model, kind);
        if (range.isPresent()) {
            ByteRange r = range.get();
            ex.getResponseHeaders().set("Content-Range", "bytes " + r.first() + "-" + r.last() + "/" + body.length);
            send(ex, 206, Arrays.copyOfRange(body, (int) r.first(), (int) r.last() + 1));
        } else {
            send(ex, 200, body);
        }
    }

    private byte[] cached(String key, java.util.function.Supplier<byte[]> compute) {
        synchronized (derived) {
            byte[] hit = derived.get(key);
            if (hit != null) {
                return hit;
            }
        }
        byte[] value = compute.get(); // outside the lock: two concurrent misses compute the same bytes twice
        synchronized (derived) {
            derived.put(key, value);
        }
        return value;
    }

    /** Weak comparison, as RFC 9110 prescribes for If-None-Match. */
    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        String opaque = etag.startsWith("W/") ? etag.substring(2) : etag;
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.strip();
            if (c.equals("*") || (c.startsWith("W/") ? c.substring(2) : c).equals(opaque)) {
                return true;
            }
        }
        return false;
    }

    private void count(String model, String response) {
        // tag values must stay bounded: names of models nobody published are not echoed into metrics
        String tag = "unknown".equals(model) || source.latest(model).isEmpty() ? "unknown" : model;
        MetricNames.UPDATE_REQUESTS.counter(registry, "model", tag, "response", response).increment();
    }

    private void text(HttpExchange ex, int status, String message, String response, String model) throws IOException {
        count(model, response);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        send(ex, status, (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                }
            }
        }
        return q;
    }
}
