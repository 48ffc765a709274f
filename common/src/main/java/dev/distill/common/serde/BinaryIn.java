package dev.distill.common.serde;

import dev.distill.common.serde.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reader: every read names the field it was reading when the frame ends early, and
 * fails only with {@link MalformedRecordException}. Shared by every binary frame of the system.
 */
public final class BinaryIn {
    private final ByteBuffer buf;
    private final String what;

    public BinaryIn(byte[] bytes, int offset, String what) {
        this(ByteBuffer.wrap(bytes), offset, what);
    }

    /**
     * Reads the frame {@code frame[position, limit)} (e.g. a record value as Kafka's consumer hands it over, a view
     * into the fetched bytes) without copying it; offsets count from the frame's start. {@code frame} is not moved.
     */
    public BinaryIn(ByteBuffer frame, int offset, String what) {
        this.buf = frame.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.buf.position(offset);
        this.what = what;
    }

    public int position() {
        return buf.position();
    }

    public int remaining() {
        return buf.remaining();
    }

    public void need(long bytes, String field) {
        if (bytes > buf.remaining()) {
            throw new MalformedRecordException(Reason.TRUNCATED, what + " binary frame: truncated in " + field
                    + ": needs " + bytes + " bytes at offset " + buf.position() + ", only " + buf.remaining() + " left");
        }
    }

    public long i64(String field) {
        need(8, field);
        return buf.getLong();
    }

    public int i32(String field) {
        need(4, field);
        return buf.getInt();
    }

    public float f32(String field) {
        need(4, field);
        return buf.getFloat();
    }

    public void skip(int count, String field) {
        need(count, field);
        buf.position(buf.position() + count);
    }

    public int u16(String field) {
        need(2, field);
        return buf.getShort() & 0xFFFF;
    }

    public int u8(String field) {
        need(1, field);
        return buf.get() & 0xFF;
    }

    public void zeros(int count, String field) {
        need(count, field);
        for (int i = 0; i < count; i++) {
            if (buf.get() != 0) {
                throw new MalformedRecordException(Reason.BAD_VALUE, what + " binary frame: " + field
                        + " at offset " + (buf.position() - 1) + " must be zero");
            }
        }
    }

    public void align(String field) {
        zeros(BinaryFrames.padding(buf.position()), field);
    }

    public String utf8(int length, String field) {
        need(length, field);
        if (isAscii(length)) {
            // the common case (event ids) without a decoder per call; ASCII is valid UTF-8 with the same meaning
            byte[] ascii = new byte[length];
            buf.get(ascii);
            return new String(ascii, StandardCharsets.US_ASCII);
        }
        ByteBuffer slice = buf.slice();
        slice.limit(length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(slice);
            buf.position(buf.position() + length);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + " binary frame: " + field
                    + " is not valid UTF-8", e);
        }
    }

    private boolean isAscii(int length) {
        int at = buf.position();
        for (int i = 0; i < length; i++) {
            if (buf.get(at + i) < 0) {
                return false;
            }
        }
        return true;
    }

    public int[] i32s(int count, String field) {
        need(4L * count, field);
        int[] out = new int[count];
        buf.asIntBuffer().get(out);
        buf.position(buf.position() + 4 * count);
        return out;
    }

    /** Reads float32 values as they are; finiteness is checked by the caller, which can name the record. */
    public float[] f32s(int count, String field) {
        need(4L * count, field);
        float[] out = new float[count];
        buf.asFloatBuffer().get(out);
        buf.position(buf.position() + 4 * count);
        return out;
    }

    /**
     * Reads float32 values straight into {@code dst} (one copy, no intermediate array); finiteness is checked by the
     * caller. On a failure {@code dst} may hold part of the values.
     */
    public void f32sInto(float[] dst, int offset, int count, String field) {
        need(4L * count, field);
        buf.asFloatBuffer().get(dst, offset, count);
        buf.position(buf.position() + 4 * count);
    }

    /**
     * Reads float32 values straight into {@code dst[offset, offset + count)} (absolute, {@code dst} is not moved): one
     * bulk copy, e.g. from the fetched record into the direct buffer a native tensor is built on. Finiteness is
     * checked by the caller. On a failure {@code dst} may hold part of the values.
     */
    public void f32sInto(FloatBuffer dst, int offset, int count, String field) {
        need(4L * count, field);
        dst.put(offset, buf.asFloatBuffer(), 0, count);
        buf.position(buf.position() + 4 * count);
    }

    public void end() {
        if (buf.hasRemaining()) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + " binary frame: " + buf.remaining()
                    + " unexpected trailing bytes at offset " + buf.position());
        }
    }
}
