package dev.distill.edge;

import java.net.URI;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one edge agent.
 *
 * @param server         base URL of the update API, e.g. {@code http://student:8081}
 * @param bearerToken    null when the API needs none
 * @param probeInputs    {@code n × sampleSize} values checked on every candidate model (no NaN; agreement with the
 *                       serving model at least {@code agreementFloor}); empty turns the probe off
 * @param preferInt8     download the int8 variant (about 4× smaller, slightly less accurate) when the signed manifest
 *                       vouches for one ({@code int8Sha256}); otherwise, and for manifests without it, the full artifact
 */
public record EdgeAgentConfig(URI server, String model, String deviceId, PublicKey publicKey, String bearerToken,
                              Duration pollInterval, Duration backoffMin, Duration backoffMax, float[] probeInputs,
                              double agreementFloor, boolean preferInt8) {

    public EdgeAgentConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(publicKey, "publicKey (the Ed25519 key that signs manifests)");
        if (model == null || model.isBlank() || deviceId == null || deviceId.isBlank()) {
            throw new IllegalArgumentException("edge agent needs a model name and a device id, got model=" + model
                    + " deviceId=" + deviceId);
        }
        if (pollInterval.isNegative() || pollInterval.isZero() || backoffMin.isNegative() || backoffMin.isZero()
                || backoffMax.compareTo(backoffMin) < 0) {
            throw new IllegalArgumentException("poll interval and backoff must be positive with backoffMax >= backoffMin, got "
                    + pollInterval + ", " + backoffMin + ".." + backoffMax);
        }
        if (agreementFloor < 0 || agreementFloor > 1) {
            throw new IllegalArgumentException("agreementFloor must be in [0, 1], got " + agreementFloor);
        }
        probeInputs = probeInputs == null ? new float[0] : probeInputs.clone();
    }

    /** Settings that download full artifacts (no int8 preference). */
    public EdgeAgentConfig(URI server, String model, String deviceId, PublicKey publicKey, String bearerToken,
                           Duration pollInterval, Duration backoffMin, Duration backoffMax, float[] probeInputs,
                           double agreementFloor) {
        this(server, model, deviceId, publicKey, bearerToken, pollInterval, backoffMin, backoffMax, probeInputs,
                agreementFloor, false);
    }

    /** Defaults: poll every 30 s, back off 1 s .. 5 min, no probe, agreement floor 0.5. */
    public static EdgeAgentConfig of(URI server, String model, String deviceId, PublicKey publicKey) {
        return new EdgeAgentConfig(server, model, deviceId, publicKey, null, Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofMinutes(5), new float[0], 0.5);
    }

    public EdgeAgentConfig withToken(String token) {
        return new EdgeAgentConfig(server, model, deviceId, publicKey, token, pollInterval, backoffMin, backoffMax,
                probeInputs, agreementFloor, preferInt8);
    }

    public EdgeAgentConfig withProbe(float[] inputs, double floor) {
        return new EdgeAgentConfig(server, model, deviceId, publicKey, bearerToken, pollInterval, backoffMin, backoffMax,
                inputs, floor, preferInt8);
    }

    public EdgeAgentConfig withDeviceId(String id) {
        return new EdgeAgentConfig(server, model, id, publicKey, bearerToken, pollInterval, backoffMin, backoffMax,
                probeInputs, agreementFloor, preferInt8);
    }

    public EdgeAgentConfig withPolling(Duration interval, Duration min, Duration max) {
        return new EdgeAgentConfig(server, model, deviceId, publicKey, bearerToken, interval, min, max, probeInputs,
                agreementFloor, preferInt8);
    }

    /** With {@code prefer}, take the signed int8 variant when the manifest offers one. */
    public EdgeAgentConfig withPreferInt8(boolean prefer) {
        return new EdgeAgentConfig(server, model, deviceId, publicKey, bearerToken, pollInterval, backoffMin, backoffMax,
                probeInputs, agreementFloor, prefer);
    }

    @Override
    public float[] probeInputs() {
        return probeInputs.clone();
    }

    @Override
    public String toString() {
        return "EdgeAgentConfig[server=" + server + ", model=" + model + ", deviceId=" + deviceId + ", token="
                + (bearerToken == null ? "none" : "***") + ", poll=" + pollInterval + ", preferInt8=" + preferInt8 + "]";
    }
}
