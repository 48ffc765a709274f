package dev.distill.common.serde;

import dev.distill.common.event.Event;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Events as JSON ({@code {"id":"e-1","timestamp":1700000000000,"shape":[2,2],"features":[0.0,0.5,1.0,0.25]}}) or as
 * a little-endian binary frame whose float32 features start 4-byte aligned (layout in docs/wire-format.md).
 */
public final class EventCodec extends AbstractCodec<Event> {

    private static final String WHAT = "event";

    public EventCodec(RecordLimits limits) {
        super(limits);
    }

    public EventCodec() {
        this(RecordLimits.unchecked());
    }

    @Override
    public String what() {
        return WHAT;
    }

    @Override
    public boolean supportsBinary() {
        return true;
    }

    @Override
    byte[] encodeJson(Event e) {
        return Json.write(64 + 12 * e.featureCount(), g -> {
            g.writeStartObject();
            g.writeStringField("id", e.id());
            g.writeNumberField("timestamp", e.timestamp());
            Json.intArray(g, "shape", e.shape());
            Json.floatArray(g, "features", e.features());
            g.writeEndObject();
        });
    }

    @Override
    byte[] encodeBinary(Event e) {
        byte[] id = e.id().getBytes(StandardCharsets.UTF_8);
        if (id.length > 0xFFFF) {
            throw new IllegalArgumentException("event id is " + id.length + " UTF-8 bytes; the binary frame allows 65535");
        }
        int[] shape = e.shape();
        int idEnd = 16 + 4 * shape.length + id.length;
        int featuresAt = idEnd + BinaryFrames.padding(idEnd);
        ByteBuffer b = ByteBuffer.allocate(featuresAt + 4 * e.featureCount()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(BinaryFrames.MAGIC_0).put(BinaryFrames.MAGIC_1).put(BinaryFrames.VERSION).put(BinaryFrames.KIND_EVENT);
        b.putLong(e.timestamp());
        b.putShort((short) id.length);
        b.put((byte) shape.length).put((byte) 0);
        for (int d : shape) {
            b.putInt(d);
        }
        b.put(id);
        b.position(featuresAt);
        b.asFloatBuffer().put(e.features());
        return b.array();
    }

    @Override
    Event decodeJson(byte[] bytes) throws IOException {
        String id = null;
        Long timestamp = null;
        int[] shape = null;
        float[] features = null;
        try (JsonIn in = JsonIn.open(bytes, WHAT)) {
            for (String f = in.nextField(); f != null; f = in.nextField()) {
                switch (f) {
                    case "id" -> id = in.string(f);
                    case "timestamp" -> timestamp = in.longValue(f);
                    case "shape" -> shape = in.intArray(f);
                    case "features" -> features = in.floatArray(f);
                    default -> in.skipValue(); // unknown fields are allowed so that producers can add some first
                }
            }
            in.end();
        }
        if (id == null) {
            throw JsonIn.missing(WHAT, "id");
        }
        String what = WHAT + " " + id;
        if (timestamp == null) {
            throw JsonIn.missing(what, "timestamp");
        }
        if (shape == null) {
            throw JsonIn.missing(what, "shape");
        }
        if (features == null) {
            throw JsonIn.missing(what, "features");
        }
        int expected = checkedElementCount(what, shape);
        if (features.length != expected) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, what + ": shape " + Arrays.toString(shape)
                    + " needs " + expected + " features, got " + features.length);
        }
        return build(id, timestamp, shape, features);
    }

    @Override
    Event decodeBinary(byte[] bytes) {
        BinaryFrames.checkPreamble(bytes, BinaryFrames.KIND_EVENT, WHAT);
        BinaryIn in = new BinaryIn(bytes, BinaryFrames.PREAMBLE, WHAT);
        long timestamp = in.i64("timestamp");
        int idLength = in.u16("id length");
        int rank = in.u8("rank");
        in.zeros(1, "reserved byte");
        if (rank < 1 || rank > Event.MAX_RANK) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, WHAT + " binary frame: rank " + rank
                    + " is outside 1.." + Event.MAX_RANK);
        }
        int[] shape = in.i32s(rank, "shape");
        String id = in.utf8(idLength, "id");
        String what = WHAT + " " + id;
        int count = checkedElementCount(what, shape);
        in.align("padding before features");
        in.need(4L * count, "features (shape " + Arrays.toString(shape) + ")");
        float[] features = in.f32s(count, "features");
        in.end();
        return build(id, timestamp, shape, features);
    }

    private int checkedElementCount(String what, int[] shape) {
        int count;
        try {
            count = Event.elementCount(shape);
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, what + ": invalid shape: " + e.getMessage(), e);
        }
        limits.checkShape(what, shape);
        return count;
    }

    private Event build(String id, long timestamp, int[] shape, float[] features) {
        String what = WHAT + " " + id;
        if (timestamp < 0) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + ": timestamp " + timestamp + " is negative");
        }
        checkFinite(what, "features", features);
        return new Event(id, timestamp, shape, features);
    }
}
