package dev.distill.common.serde;

import dev.distill.common.event.CheckpointManifest;
import java.io.IOException;
import java.util.Map;

/** Checkpoint manifests as JSON; field names are the record's component names. */
public final class CheckpointManifestCodec extends AbstractCodec<CheckpointManifest> {

    private static final String WHAT = "checkpoint manifest";

    public CheckpointManifestCodec(RecordLimits limits) {
        super(limits);
    }

    public CheckpointManifestCodec() {
        this(RecordLimits.unchecked());
    }

    @Override
    public String what() {
        return WHAT;
    }

    @Override
    byte[] encodeJson(CheckpointManifest m) {
        return Json.write(512, g -> {
            g.writeStartObject();
            g.writeStringField("modelName", m.modelName());
            g.writeNumberField("version", m.version());
            g.writeStringField("architecture", m.architecture());
            g.writeNumberField("createdAt", m.createdAt());
            Json.doubleMap(g, "metrics", m.metrics());
            g.writeStringField("sha256", m.sha256());
            g.writeNumberField("sizeBytes", m.sizeBytes());
            g.writeNumberField("chunkCount", m.chunkCount());
            g.writeNumberField("rolloutPercent", m.rolloutPercent());
            g.writeStringField("keyId", m.keyId());
            g.writeStringField("signature", m.signature());
            if (m.hasInt8()) { // absent rather than null, so manifests without the variant encode as before
                g.writeStringField("int8Sha256", m.int8Sha256());
                g.writeNumberField("int8SizeBytes", m.int8SizeBytes());
            }
            g.writeEndObject();
        });
    }

    @Override
    CheckpointManifest decodeJson(byte[] bytes) throws IOException {
        String modelName = null;
        Long version = null;
        String architecture = null;
        Long createdAt = null;
        Map<String, Double> metrics = Map.of();
        String sha256 = null;
        Long sizeBytes = null;
        Integer chunkCount = null;
        Integer rolloutPercent = null;
        String keyId = null;
        String signature = null;
        String int8Sha256 = null;
        Long int8SizeBytes = null;
        try (JsonIn in = JsonIn.open(bytes, WHAT)) {
            for (String f = in.nextField(); f != null; f = in.nextField()) {
                switch (f) {
                    case "modelName" -> modelName = in.string(f);
                    case "version" -> version = in.longValue(f);
                    case "architecture" -> architecture = in.string(f);
                    case "createdAt" -> createdAt = in.longValue(f);
                    case "metrics" -> metrics = in.doubleMap(f);
                    case "sha256" -> sha256 = in.string(f);
                    case "sizeBytes" -> sizeBytes = in.longValue(f);
                    case "chunkCount" -> chunkCount = in.intValue(f);
                    case "rolloutPercent" -> rolloutPercent = in.intValue(f);
                    case "keyId" -> keyId = in.nullableString(f);
                    case "signature" -> signature = in.nullableString(f);
                    case "int8Sha256" -> int8Sha256 = in.string(f);
                    case "int8SizeBytes" -> int8SizeBytes = in.longValue(f);
                    default -> in.skipValue();
                }
            }
            in.end();
        }
        String what = modelName == null ? WHAT : WHAT + " of " + modelName;
        return new CheckpointManifest(
                require(what, "modelName", modelName), require(what, "version", version),
                require(what, "architecture", architecture), require(what, "createdAt", createdAt), metrics,
                require(what, "sha256", sha256), require(what, "sizeBytes", sizeBytes),
                require(what, "chunkCount", chunkCount), require(what, "rolloutPercent", rolloutPercent),
                keyId, signature, int8Sha256, int8SizeBytes);
    }

    static <V> V require(String what, String field, V value) {
        if (value == null) {
            throw JsonIn.missing(what, field);
        }
        return value;
    }
}
