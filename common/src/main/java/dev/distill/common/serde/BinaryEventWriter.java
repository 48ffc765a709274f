package dev.distill.common.serde;

import dev.distill.common.event.Event;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes binary event frames (docs/wire-format.md) of one tensor shape for a producer that sends many events: no
 * {@link Event}, no copy of the features and no buffer per event, byte for byte what {@link EventCodec} encodes. With
 * {@link #reusing()} one array per id length is rewritten by every call: use it only with a producer that copies the
 * value before {@code send} returns ({@code KafkaProducer} appends it to its batch inside {@code send}); a producer
 * that keeps the array (e.g. a test double recording what it was given) would see it overwritten.
 */
public final class BinaryEventWriter {

    private final int[] shape;
    private final int count;
    private final boolean reuse;
    /** Reused frames by id length (ids of one run differ in length only by a few digits). */
    private byte[][] frames = new byte[0][];

    private BinaryEventWriter(int[] shape, boolean reuse) {
        this.shape = shape.clone();
        this.count = Event.elementCount(this.shape);
        this.reuse = reuse;
    }

    /** A writer that returns a fresh array per frame. */
    public static BinaryEventWriter of(int... shape) {
        return new BinaryEventWriter(shape, false);
    }

    /** A writer that rewrites one array per id length (see the class comment for when that is safe). */
    public BinaryEventWriter reusing() {
        return new BinaryEventWriter(shape, true);
    }

    /** Values per event. */
    public int featureCount() {
        return count;
    }

    /**
     * The frame of one event whose features are {@code features[0, featureCount())}. Does not check that the
     * features are finite or the timestamp non-negative (readers do; a producer of well-formed data need not pay).
     */
    public byte[] write(String id, long timestamp, float[] features) {
        if (features.length < count) {
            throw new IllegalArgumentException("expected " + count + " features, got " + features.length);
        }
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        if (idBytes.length > 0xFFFF) {
            throw new IllegalArgumentException("event id is " + idBytes.length + " UTF-8 bytes; the binary frame allows 65535");
        }
        int idEnd = 16 + 4 * shape.length + idBytes.length;
        int featuresAt = idEnd + BinaryFrames.padding(idEnd);
        byte[] frame = frame(idBytes.length, featuresAt + 4 * count);
        ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        b.put(BinaryFrames.MAGIC_0).put(BinaryFrames.MAGIC_1).put(BinaryFrames.VERSION).put(BinaryFrames.KIND_EVENT);
        b.putLong(timestamp);
        b.putShort((short) idBytes.length);
        b.put((byte) shape.length).put((byte) 0);
        for (int d : shape) {
            b.putInt(d);
        }
        b.put(idBytes);
        while (b.position() < featuresAt) {
            b.put((byte) 0); // padding must be zero, and a reused array holds the last frame's bytes
        }
        FloatBuffer out = b.asFloatBuffer();
        out.put(features, 0, count);
        return frame;
    }

    private byte[] frame(int idLength, int size) {
        if (!reuse) {
            return new byte[size];
        }
        if (idLength >= frames.length) {
            byte[][] grown = new byte[Math.max(idLength + 1, 2 * frames.length)][];
            System.arraycopy(frames, 0, grown, 0, frames.length);
            frames = grown;
        }
        byte[] frame = frames[idLength];
        if (frame == null) {
            frame = new byte[size];
            frames[idLength] = frame;
        }
        return frame;
    }
}
