package dev.distill.edge;

import dev.distill.common.signing.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * Staged rollout: a device takes a version when {@code bucket(deviceId) < rolloutPercent}. The bucket is the first
 * four bytes of SHA-256(device id) modulo 100: stable across restarts, JVMs and languages, and uniform, so the same
 * quarter of the fleet forms the canary at 25 % for every version.
 */
public final class Rollout {

    private Rollout() {}

    public static int bucket(String deviceId) {
        byte[] d = Sha256.digest(deviceId.getBytes(StandardCharsets.UTF_8));
        long v = ((d[0] & 0xffL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
        return (int) (v % 100);
    }

    public static boolean applies(String deviceId, int rolloutPercent) {
        return bucket(deviceId) < rolloutPercent;
    }
}
