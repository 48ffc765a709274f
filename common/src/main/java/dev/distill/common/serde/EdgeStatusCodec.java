package dev.distill.common.serde;

import dev.distill.common.event.EdgeStatus;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/** Edge status reports as JSON; field names are the record's component names, {@code status} is the enum name. */
public final class EdgeStatusCodec extends AbstractCodec<EdgeStatus> {

    private static final String WHAT = "edge status";

    public EdgeStatusCodec(RecordLimits limits) {
        super(limits);
    }

    public EdgeStatusCodec() {
        this(RecordLimits.unchecked());
    }

    @Override
    public String what() {
        return WHAT;
    }

    @Override
    byte[] encodeJson(EdgeStatus s) {
        return Json.write(256, g -> {
            g.writeStartObject();
            g.writeStringField("deviceId", s.deviceId());
            g.writeStringField("modelName", s.modelName());
            g.writeNumberField("modelVersion", s.modelVersion());
            g.writeStringField("status", s.status().name());
            g.writeNumberField("reportedAt", s.reportedAt());
            Json.doubleMap(g, "probeMetrics", s.probeMetrics());
            g.writeStringField("message", s.message());
            g.writeEndObject();
        });
    }

    @Override
    EdgeStatus decodeJson(byte[] bytes) throws IOException {
        String deviceId = null;
        String modelName = null;
        Long modelVersion = null;
        String status = null;
        Long reportedAt = null;
        Map<String, Double> probeMetrics = Map.of();
        String message = null;
        try (JsonIn in = JsonIn.open(bytes, WHAT)) {
            for (String f = in.nextField(); f != null; f = in.nextField()) {
                switch (f) {
                    case "deviceId" -> deviceId = in.string(f);
                    case "modelName" -> modelName = in.string(f);
                    case "modelVersion" -> modelVersion = in.longValue(f);
                    case "status" -> status = in.string(f);
                    case "reportedAt" -> reportedAt = in.longValue(f);
                    case "probeMetrics" -> probeMetrics = in.doubleMap(f);
                    case "message" -> message = in.nullableString(f);
                    default -> in.skipValue();
                }
            }
            in.end();
        }
        String what = deviceId == null ? WHAT : WHAT + " of device " + deviceId;
        return new EdgeStatus(
                CheckpointManifestCodec.require(what, "deviceId", deviceId),
                CheckpointManifestCodec.require(what, "modelName", modelName),
                CheckpointManifestCodec.require(what, "modelVersion", modelVersion),
                status(what, CheckpointManifestCodec.require(what, "status", status)),
                CheckpointManifestCodec.require(what, "reportedAt", reportedAt), probeMetrics, message);
    }

    private static EdgeStatus.Status status(String what, String value) {
        try {
            return EdgeStatus.Status.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
            throw new MalformedRecordException(Reason.BAD_VALUE, what + ": field \"status\" = \"" + shown
                    + "\" is not one of " + Arrays.toString(EdgeStatus.Status.values()), e);
        }
    }
}
