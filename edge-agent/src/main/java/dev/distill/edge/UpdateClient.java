package dev.distill.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/** The HTTP side of the agent: conditional manifest polls and resumable downloads. One {@link HttpClient} may be shared. */
final class UpdateClient {

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** A non-2xx/304 answer. */
    static final class HttpStatusException extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpStatusException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** A download that broke after {@code bytes} were received; the caller may resume from there. */
    static final class PartialDownloadException extends IOException {
        private static final long serialVersionUID = 1L;
        final transient byte[] bytes;
        final String etag;

        PartialDownloadException(byte[] bytes, String etag, IOException cause) {
            super("download broke after " + bytes.length + " bytes: " + cause, cause);
            this.bytes = bytes;
            this.etag = etag;
        }
    }

    record ManifestResponse(int status, String etag, byte[] body) {}

    private final HttpClient http;
    private final URI base;
    private final String model;
    private final String token;

    UpdateClient(HttpClient http, URI server, String model, String token) {
        this.http = http;
        String s = server.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.model = URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20");
        this.token = token;
    }

    ManifestResponse manifest(String ifNoneMatch) throws IOException, InterruptedException {
        HttpRequest.Builder b = request("models/" + model + "/manifest");
        if (ifNoneMatch != null) {
            b.header("If-None-Match", ifNoneMatch);
        }
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200 && r.statusCode() != 304 && r.statusCode() != 404) {
            throw new HttpStatusException(r.statusCode(), "manifest poll answered " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8).strip());
        }
        return new ManifestResponse(r.statusCode(), r.headers().firstValue("ETag").orElse(null), r.body());
    }

    /**
     * Downloads {@code path}; with {@code resumeFrom} holding bytes of an earlier broken download of the same
     * representation ({@code resumeEtag}), asks only for the rest with {@code Range} + {@code If-Range}.
     *
     * @throws PartialDownloadException when the connection breaks mid-body (carrying everything received so far)
     */
    byte[] download(String pathAndQuery, byte[] resumeFrom, String resumeEtag) throws IOException, InterruptedException {
        HttpRequest.Builder b = request("models/" + model + "/" + pathAndQuery);
        boolean resuming = resumeFrom != null && resumeFrom.length > 0 && resumeEtag != null;
        if (resuming) {
            b.header("Range", "bytes=" + resumeFrom.length + "-").header("If-Range", resumeEtag);
        }
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = r.statusCode();
        String etag = r.headers().firstValue("ETag").orElse(null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (status == 206 && resuming) {
            String range = r.headers().firstValue("Content-Range").orElse("");
            if (!range.startsWith("bytes " + resumeFrom.length + "-")) {
                r.body().close();
                throw new IOException("asked to resume at byte " + resumeFrom.length + ", server sent " + range);
            }
            out.writeBytes(resumeFrom);
        } else if (status != 200) {
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes(4096);
            }
            throw new HttpStatusException(status, "GET " + pathAndQuery + " answered " + status + ": "
                    + new String(body, StandardCharsets.UTF_8).strip());
        }
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) != -1; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new PartialDownloadException(out.toByteArray(), etag, e);
        }
        return out.toByteArray();
    }

    private HttpRequest.Builder request(String relative) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(relative)).timeout(REQUEST_TIMEOUT).GET();
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    static Optional<byte[]> nonEmpty(byte[] b) {
        return b == null || b.length == 0 ? Optional.empty() : Optional.of(Arrays.copyOf(b, b.length));
    }
}
