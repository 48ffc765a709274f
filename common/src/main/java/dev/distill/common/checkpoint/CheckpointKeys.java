package dev.distill.common.checkpoint;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Record keys of the compacted checkpoints topic.
 *
 * <ul>
 *   <li>{@code <model>} — the latest manifest of the model (compaction keeps one per model);</li>
 *   <li>{@code <model>/v<version>/manifest} — the manifest of one version, so a version whose {@code <model>} record
 *       has been compacted away can still be reassembled (a delta base, a rollback target);</li>
 *   <li>{@code <model>/v<version>/chunk-<i>} — chunk {@code i} of that version's artifact.</li>
 * </ul>
 * Per-version records are tombstoned together when the version falls out of the retained window.
 */
public final class CheckpointKeys {

    private static final Pattern VERSIONED = Pattern.compile("^(.+)/v(\\d{1,19})/(manifest|chunk-(\\d{1,9}))$");

    private CheckpointKeys() {}

    /** What a key names. {@code chunk} is -1 for manifests; {@code version} is -1 for the latest-manifest key. */
    public record Parsed(String model, long version, int chunk) {
        public boolean isLatestManifest() {
            return version < 0;
        }

        public boolean isVersionManifest() {
            return version >= 0 && chunk < 0;
        }

        public boolean isChunk() {
            return chunk >= 0;
        }
    }

    public static String latestManifest(String model) {
        return model;
    }

    public static String versionManifest(String model, long version) {
        return model + "/v" + version + "/manifest";
    }

    public static String chunk(String model, long version, int index) {
        return model + "/v" + version + "/chunk-" + index;
    }

    /** Model names must not look like per-version keys, or the two kinds of record would be confused. */
    public static void checkModelName(String model) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model name must be non-blank");
        }
        if (VERSIONED.matcher(model).matches()) {
            throw new IllegalArgumentException("model name '" + model
                    + "' ends like a checkpoint chunk or version key (/v<n>/chunk-<i> or /v<n>/manifest); rename it");
        }
    }

    public static Parsed parse(byte[] key) {
        String s = new String(key, StandardCharsets.UTF_8);
        Matcher m = VERSIONED.matcher(s);
        if (!m.matches()) {
            return new Parsed(s, -1, -1);
        }
        long version = Long.parseLong(m.group(2));
        int chunk = m.group(4) == null ? -1 : Integer.parseInt(m.group(4));
        return new Parsed(m.group(1), version, chunk);
    }

    static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
