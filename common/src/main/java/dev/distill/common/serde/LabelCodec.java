package dev.distill.common.serde;

import dev.distill.common.event.Label;
import java.io.IOException;

/** Labels as JSON: {@code {"label":3,"timestamp":1700000005000}}; the key is the event id. */
public final class LabelCodec extends AbstractCodec<Label> {

    private static final String WHAT = "label";

    public LabelCodec(RecordLimits limits) {
        super(limits);
    }

    public LabelCodec() {
        this(RecordLimits.unchecked());
    }

    @Override
    public String what() {
        return WHAT;
    }

    @Override
    byte[] encodeJson(Label l) {
        return Json.write(48, g -> {
            g.writeStartObject();
            g.writeNumberField("label", l.label());
            g.writeNumberField("timestamp", l.timestamp());
            g.writeEndObject();
        });
    }

    @Override
    Label decodeJson(byte[] bytes) throws IOException {
        Long label = null;
        Long timestamp = null;
        try (JsonIn in = JsonIn.open(bytes, WHAT)) {
            for (String f = in.nextField(); f != null; f = in.nextField()) {
                switch (f) {
                    case "label" -> label = in.longValue(f);
                    case "timestamp" -> timestamp = in.longValue(f);
                    default -> in.skipValue();
                }
            }
            in.end();
        }
        if (label == null) {
            throw JsonIn.missing(WHAT, "label");
        }
        if (timestamp == null) {
            throw JsonIn.missing(WHAT, "timestamp");
        }
        limits.checkLabel(WHAT, label);
        return new Label((int) (long) label, timestamp);
    }
}
