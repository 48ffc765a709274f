package dev.distill.common.event;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The signed description of one published student checkpoint; the Kafka key is the model name.
 *
 * <p>{@link #canonicalBytes()} are what the publisher signs and the edge verifies: every field except
 * {@code signature}, in a fixed order, so a manifest re-encoded by any JSON library verifies the same.
 *
 * @param sha256         lowercase hex SHA-256 of the whole artifact
 * @param rolloutPercent share of the fleet (0..100) that should take this version
 * @param keyId          id of the signing key; null only while unsigned
 * @param signature      base64 Ed25519 signature over {@link #canonicalBytes()}; null while unsigned
 * @param int8Sha256     lowercase hex SHA-256 of the artifact's {@code Int8Artifact} variant; null when the publisher
 *                       offers no signed int8 variant (then {@code int8SizeBytes} is null too)
 * @param int8SizeBytes  size of that int8 variant; null exactly when {@code int8Sha256} is null
 */
public record CheckpointManifest(String modelName, long version, String architecture, long createdAt,
                                 Map<String, Double> metrics, String sha256, long sizeBytes, int chunkCount,
                                 int rolloutPercent, String keyId, String signature, String int8Sha256,
                                 Long int8SizeBytes) {

    public static final int MAX_NAME_LENGTH = 256;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final String CANONICAL_PREFIX = "distill-manifest-v1\n";

    public CheckpointManifest {
        String what = "checkpoint manifest";
        Checks.nonBlank(modelName, what, "modelName", MAX_NAME_LENGTH);
        Checks.nonNegative(version, what, "version");
        Checks.nonBlank(architecture, what, "architecture", MAX_NAME_LENGTH);
        Checks.nonNegative(createdAt, what, "createdAt");
        metrics = Checks.finiteMetrics(metrics, what, "metrics");
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException(what + ".sha256 must be 64 lowercase hex digits, got " + sha256);
        }
        Checks.nonNegative(sizeBytes, what, "sizeBytes");
        if (chunkCount < 1) {
            throw new IllegalArgumentException(what + ".chunkCount must be >= 1, got " + chunkCount);
        }
        if (rolloutPercent < 0 || rolloutPercent > 100) {
            throw new IllegalArgumentException(what + ".rolloutPercent must be in [0, 100], got " + rolloutPercent);
        }
        if (keyId != null) {
            Checks.nonBlank(keyId, what, "keyId", MAX_NAME_LENGTH);
        }
        if (signature != null) {
            Checks.nonBlank(signature, what, "signature", 4096);
            if (keyId == null) {
                throw new IllegalArgumentException(what + " has a signature but no keyId");
            }
        }
        if ((int8Sha256 == null) != (int8SizeBytes == null)) {
            throw new IllegalArgumentException(what + ": int8Sha256 and int8SizeBytes must be given together or not"
                    + " at all, got " + int8Sha256 + " and " + int8SizeBytes);
        }
        if (int8Sha256 != null) {
            if (!SHA256.matcher(int8Sha256).matches()) {
                throw new IllegalArgumentException(what + ".int8Sha256 must be 64 lowercase hex digits, got "
                        + int8Sha256);
            }
            Checks.nonNegative(int8SizeBytes, what, "int8SizeBytes");
        }
    }

    /** A manifest without a signed int8 variant (the form before {@code int8Sha256} existed). */
    public CheckpointManifest(String modelName, long version, String architecture, long createdAt,
                              Map<String, Double> metrics, String sha256, long sizeBytes, int chunkCount,
                              int rolloutPercent, String keyId, String signature) {
        this(modelName, version, architecture, createdAt, metrics, sha256, sizeBytes, chunkCount, rolloutPercent, keyId,
                signature, null, null);
    }

    /** Whether the manifest vouches for an int8 variant ({@link #int8Sha256()} and {@link #int8SizeBytes()} set). */
    public boolean hasInt8() {
        return int8Sha256 != null;
    }

    public boolean isSigned() {
        return signature != null;
    }

    public CheckpointManifest withSignature(String newSignature) {
        return new CheckpointManifest(modelName, version, architecture, createdAt, metrics, sha256, sizeBytes,
                chunkCount, rolloutPercent, keyId, newSignature, int8Sha256, int8SizeBytes);
    }

    public CheckpointManifest withKeyId(String newKeyId) {
        return new CheckpointManifest(modelName, version, architecture, createdAt, metrics, sha256, sizeBytes,
                chunkCount, rolloutPercent, newKeyId, null, int8Sha256, int8SizeBytes);
    }

    /** This manifest vouching for an int8 variant; drops the signature, which no longer covers the fields. */
    public CheckpointManifest withInt8(String newInt8Sha256, long newInt8SizeBytes) {
        return new CheckpointManifest(modelName, version, architecture, createdAt, metrics, sha256, sizeBytes,
                chunkCount, rolloutPercent, keyId, null, newInt8Sha256, newInt8SizeBytes);
    }

    /**
     * The bytes that get signed: UTF-8 of {@code "distill-manifest-v1\n"} followed by a JSON object without
     * whitespace holding every field but {@code signature} in declaration order, metrics sorted by name, strings
     * JSON-escaped (quote and backslash escaped with a backslash, control characters as six-character
     * unicode escapes with lowercase hex), integers in decimal, a null
     * keyId as {@code null}, and metric values as {@link Double#toHexString} strings (exact, and unlike decimal
     * printing identical on every JDK). When the manifest has an int8 variant, {@code int8Sha256} and
     * {@code int8SizeBytes} follow {@code keyId}; without one they are left out, so manifests from before the field
     * existed keep their canonical bytes and signatures.
     */
    public byte[] canonicalBytes() {
        StringBuilder sb = new StringBuilder(256).append(CANONICAL_PREFIX).append('{');
        field(sb, "modelName").append(Checks.jsonString(modelName)).append(',');
        field(sb, "version").append(version).append(',');
        field(sb, "architecture").append(Checks.jsonString(architecture)).append(',');
        field(sb, "createdAt").append(createdAt).append(',');
        field(sb, "metrics").append('{');
        boolean first = true;
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            sb.append(first ? "" : ",").append(Checks.jsonString(e.getKey())).append(':')
                    .append(Checks.jsonString(Double.toHexString(e.getValue())));
            first = false;
        }
        sb.append("},");
        field(sb, "sha256").append(Checks.jsonString(sha256)).append(',');
        field(sb, "sizeBytes").append(sizeBytes).append(',');
        field(sb, "chunkCount").append(chunkCount).append(',');
        field(sb, "rolloutPercent").append(rolloutPercent).append(',');
        field(sb, "keyId").append(keyId == null ? "null" : Checks.jsonString(keyId));
        if (int8Sha256 != null) {
            sb.append(',');
            field(sb, "int8Sha256").append(Checks.jsonString(int8Sha256)).append(',');
            field(sb, "int8SizeBytes").append(int8SizeBytes.longValue());
        }
        return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static StringBuilder field(StringBuilder sb, String name) {
        return sb.append('"').append(name).append("\":");
    }
}
