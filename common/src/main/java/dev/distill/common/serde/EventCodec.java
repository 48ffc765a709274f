package dev.distill.common.serde;

import dev.distill.common.event.Event;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Headers;

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
        FrameHead head = readHead(bytes);
        BinaryIn in = head.skipToFeatures();
        float[] features = in.f32s(head.count(), "features");
        in.end();
        return build(head.id(), head.timestamp(), head.shape(), features);
    }

    /** A binary event frame's fields before its features, and its reader, left just after the id. */
    private record FrameHead(long timestamp, String id, int[] shape, int count, BinaryIn in) {
        String what() {
            return WHAT + " " + id;
        }

        /** Moves the reader to the first feature, checking that all of them are there. */
        BinaryIn skipToFeatures() {
            in.align("padding before features");
            in.need(4L * count, "features (shape " + Arrays.toString(shape) + ")");
            return in;
        }
    }

    private FrameHead readHead(byte[] bytes) {
        return readHead(ByteBuffer.wrap(bytes));
    }

    private FrameHead readHead(ByteBuffer frame) {
        BinaryFrames.checkPreamble(frame, BinaryFrames.KIND_EVENT, WHAT);
        BinaryIn in = new BinaryIn(frame, BinaryFrames.PREAMBLE, WHAT);
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
        return new FrameHead(timestamp, id, shape, checkedElementCount(WHAT + " " + id, shape), in);
    }

    /** What {@link #decodeInto} returns besides the features it wrote. */
    public record Head(String id, long timestamp) {}

    /**
     * Decodes an event whose features must number exactly {@code count}, writing them straight into
     * {@code dst[offset, offset + count)} instead of a new array: for a binary frame that is the only copy of the
     * features (a batching consumer decodes into its batch's input array). Validates exactly as
     * {@link #decode(byte[], Headers)} does and throws only {@link MalformedRecordException}; on a failure
     * {@code dst[offset, offset + count)} may hold part of the values and must be treated as garbage.
     *
     * @throws IndexOutOfBoundsException if {@code dst} has no room for {@code count} values at {@code offset} (a
     *                                   caller error, not a record error)
     */
    public Head decodeInto(byte[] bytes, Headers headers, float[] dst, int offset, int count) {
        if (offset < 0 || count < 0 || offset > dst.length - count) {
            throw new IndexOutOfBoundsException("no room for " + count + " features at " + offset + " in an array of "
                    + dst.length);
        }
        if (bytes == null || bytes.length == 0 || !BinaryFrames.hasMagic(bytes) || Encoding.of(headers) != Encoding.BINARY) {
            // JSON, or a record decode() rejects with the right reason: the general path, then one more copy
            Event e = decode(bytes, headers);
            copyFeatures(e, dst, offset, count);
            return new Head(e.id(), e.timestamp());
        }
        limits.checkSize(WHAT, bytes.length);
        try {
            return decodeBinaryInto(bytes, dst, offset, count);
        } catch (MalformedRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedRecordException(Reason.BAD_VALUE, WHAT + ": cannot decode (" + e + ")", e);
        }
    }

    /**
     * As {@link #decodeInto(byte[], Headers, float[], int, int)}, from a record value as Kafka's consumer hands it over
     * with a {@code ByteBufferDeserializer} (a view into the fetched bytes, {@code value[position, limit)}) into a
     * float buffer at the absolute index {@code offset} (neither buffer is moved): for a binary frame the features
     * are copied once, from the fetch straight into the buffer a native tensor is built on. JSON, and records
     * {@code decode} rejects, take the general path (and a copy of the value).
     *
     * @throws IndexOutOfBoundsException if {@code dst} has no room for {@code count} values at {@code offset}
     */
    public Head decodeInto(ByteBuffer value, Headers headers, FloatBuffer dst, int offset, int count) {
        if (offset < 0 || count < 0 || offset > dst.limit() - count) {
            throw new IndexOutOfBoundsException("no room for " + count + " features at " + offset + " in a buffer of "
                    + dst.limit());
        }
        ByteBuffer frame = value == null ? null : value.slice();
        if (frame == null || !frame.hasRemaining() || !BinaryFrames.hasMagic(frame)
                || Encoding.of(headers) != Encoding.BINARY) {
            byte[] bytes = null;
            if (frame != null) {
                bytes = new byte[frame.remaining()];
                frame.get(bytes);
            }
            Event e = decode(bytes, headers);
            checkCount(e, count);
            for (int j = 0; j < count; j++) {
                dst.put(offset + j, e.feature(j));
            }
            return new Head(e.id(), e.timestamp());
        }
        limits.checkSize(WHAT, frame.remaining());
        try {
            FrameHead head = checkedHead(readHead(frame), count);
            String what = head.what();
            BinaryIn in = head.skipToFeatures();
            in.f32sInto(dst, offset, count, "features");
            in.end();
            checkTimestamp(what, head.timestamp());
            checkFinite(what, "features", dst, offset, count);
            return new Head(head.id(), head.timestamp());
        } catch (MalformedRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedRecordException(Reason.BAD_VALUE, WHAT + ": cannot decode (" + e + ")", e);
        }
    }

    private static void checkCount(Event e, int count) {
        if (e.featureCount() != count) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, WHAT + " " + e.id() + ": expected " + count
                    + " features, got " + e.featureCount());
        }
    }

    private static void copyFeatures(Event e, float[] dst, int offset, int count) {
        checkCount(e, count);
        for (int j = 0; j < count; j++) {
            dst[offset + j] = e.feature(j);
        }
    }

    private Head decodeBinaryInto(byte[] bytes, float[] dst, int offset, int expected) {
        FrameHead head = checkedHead(readHead(bytes), expected);
        String id = head.id();
        String what = head.what();
        BinaryIn in = head.skipToFeatures();
        in.f32sInto(dst, offset, expected, "features");
        in.end();
        checkTimestamp(what, head.timestamp());
        checkFinite(what, "features", dst, offset, expected);
        return new Head(id, head.timestamp());
    }

    /** The head's id passes Event's checks (decodeInto does not build an Event) and it holds {@code expected} features. */
    private static FrameHead checkedHead(FrameHead head, int expected) {
        String id = head.id();
        if (id.isBlank() || id.length() > Event.MAX_ID_LENGTH) {
            throw new MalformedRecordException(Reason.BAD_VALUE, id.isBlank() ? "event.id must be a non-blank string"
                    : "event.id is " + id.length() + " characters long; at most " + Event.MAX_ID_LENGTH + " allowed");
        }
        if (head.count() != expected) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, head.what() + ": expected " + expected
                    + " features, got " + head.count() + " (shape " + Arrays.toString(head.shape()) + ")");
        }
        return head;
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
        checkTimestamp(what, timestamp);
        checkFinite(what, "features", features);
        return new Event(id, timestamp, shape, features);
    }

    private static void checkTimestamp(String what, long timestamp) {
        if (timestamp < 0) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + ": timestamp " + timestamp + " is negative");
        }
    }
}
