package dev.distill.deploy.bench.pipeline;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A service's {@code /ready} and {@code /metrics} over HTTP: what the bench watches, as a scraper would. */
final class ServiceEndpoint {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;

    ServiceEndpoint(int port) {
        this.base = URI.create("http://localhost:" + port + "/");
    }

    /** Whether {@code /ready} answers 200; false while the service starts (or the port is not open yet). */
    boolean ready() throws InterruptedException {
        try {
            return get("ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** The Prometheus text of {@code /metrics}. */
    String metrics() throws IOException, InterruptedException {
        HttpResponse<String> response = get("metrics");
        if (response.statusCode() != 200) {
            throw new IOException(base + "metrics answered " + response.statusCode());
        }
        return response.body();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sum of the samples of series {@code name} whose labels include every {@code key="value"} pair of
     * {@code labels} (given as key, value, key, value...); 0 when there is none.
     */
    static double sum(String prometheusText, String name, String... labels) {
        double total = 0;
        for (String line : prometheusText.split("\n")) {
            if (!line.startsWith(name) || line.length() == name.length()) {
                continue;
            }
            char next = line.charAt(name.length());
            if (next != '{' && next != ' ') {
                continue; // another series sharing the prefix
            }
            boolean matches = true;
            for (int i = 0; i + 1 < labels.length && matches; i += 2) {
                matches = line.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (matches) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
