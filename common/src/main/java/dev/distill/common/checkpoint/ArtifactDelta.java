package dev.distill.common.checkpoint;

import dev.distill.common.signing.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A lossless delta between two artifacts, so an edge device that holds version {@code base} downloads only what changed.
 *
 * <p>Format {@code DDL1} (all integers big-endian):
 * <pre>
 *   magic      4 bytes  "DDL1"
 *   baseLength int32    length of the base artifact
 *   newLength  int32    length of the target artifact
 *   baseSha256 32 bytes SHA-256 of the base artifact
 *   newSha256  32 bytes SHA-256 of the target artifact
 *   body       rest     raw DEFLATE (RFC 1951) of the shuffled XOR stream
 * </pre>
 * The XOR stream has {@code newLength} bytes: {@code new[i] ^ base[i]} where the base has byte {@code i}, {@code new[i]}
 * beyond it. It is then byte-shuffled with stride 4 (as Blosc does): all bytes {@code 4k}, then all {@code 4k+1}, ...,
 * the last {@code newLength % 4} bytes unshuffled at the end. Parameters are float32, so an unchanged float becomes four
 * zero bytes and a slightly changed one keeps zero sign/exponent bytes; grouping those planes gives DEFLATE long
 * zero runs (its own run-length coding does the rest). Applying checks both hashes, so the result is the target
 * bit for bit or an exception.
 */
public final class ArtifactDelta {

    public static final String CONTENT_TYPE = "application/vnd.distill.delta";
    private static final byte[] MAGIC = {'D', 'D', 'L', '1'};
    private static final int HEADER_BYTES = 4 + 4 + 4 + 32 + 32;
    private static final int STRIDE = 4;

    private ArtifactDelta() {}

    public static byte[] create(byte[] base, byte[] target) {
        byte[] xor = new byte[target.length];
        int common = Math.min(base.length, target.length);
        for (int i = 0; i < common; i++) {
            xor[i] = (byte) (target[i] ^ base[i]);
        }
        System.arraycopy(target, common, xor, common, target.length - common);
        byte[] shuffled = shuffle(xor);
        ByteArrayOutputStream out = new ByteArrayOutputStream(HEADER_BYTES + target.length / 4);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(MAGIC).putInt(base.length).putInt(target.length).put(Sha256.digest(base)).put(Sha256.digest(target));
        out.writeBytes(header.array());
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setInput(shuffled);
            deflater.finish();
            byte[] buf = new byte[1 << 16];
            while (!deflater.finished()) {
                out.write(buf, 0, deflater.deflate(buf));
            }
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }

    /**
     * Rebuilds the target from {@code base} and a delta made by {@link #create}.
     *
     * @throws DeltaException if the delta is malformed, was made against another base, or does not reproduce the
     *                        target it names
     */
    public static byte[] apply(byte[] base, byte[] delta) {
        if (delta.length < HEADER_BYTES || !Arrays.equals(Arrays.copyOf(delta, 4), MAGIC)) {
            throw new DeltaException("not a DDL1 delta (" + delta.length + " bytes, bad magic or too short)");
        }
        ByteBuffer header = ByteBuffer.wrap(delta, 0, HEADER_BYTES);
        header.position(4);
        int baseLength = header.getInt();
        int newLength = header.getInt();
        byte[] baseSha = new byte[32];
        byte[] newSha = new byte[32];
        header.get(baseSha).get(newSha);
        if (baseLength != base.length || !MessageDigest.isEqual(baseSha, Sha256.digest(base))) {
            throw new DeltaException("delta was made against another base (" + baseLength
                    + " bytes); the held base has " + base.length + " bytes or a different SHA-256; download the full artifact");
        }
        if (newLength < 0) {
            throw new DeltaException("delta names a negative target length " + newLength);
        }
        byte[] shuffled = new byte[newLength];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(delta, HEADER_BYTES, delta.length - HEADER_BYTES);
            int n = 0;
            while (n < newLength) {
                int got = inflater.inflate(shuffled, n, newLength - n);
                if (got == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != newLength) {
                throw new DeltaException("delta body inflates to " + n + " bytes, header says " + newLength + " (truncated?)");
            }
        } catch (DataFormatException e) {
            throw new DeltaException("delta body is not valid DEFLATE: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        byte[] target = unshuffle(shuffled);
        int common = Math.min(base.length, target.length);
        for (int i = 0; i < common; i++) {
            target[i] ^= base[i];
        }
        if (!MessageDigest.isEqual(newSha, Sha256.digest(target))) {
            throw new DeltaException("delta applied to the base does not reproduce the target's SHA-256");
        }
        return target;
    }

    private static byte[] shuffle(byte[] in) {
        byte[] out = new byte[in.length];
        int words = in.length / STRIDE;
        for (int plane = 0; plane < STRIDE; plane++) {
            for (int w = 0; w < words; w++) {
                out[plane * words + w] = in[w * STRIDE + plane];
            }
        }
        System.arraycopy(in, words * STRIDE, out, words * STRIDE, in.length - words * STRIDE);
        return out;
    }

    private static byte[] unshuffle(byte[] in) {
        byte[] out = new byte[in.length];
        int words = in.length / STRIDE;
        for (int plane = 0; plane < STRIDE; plane++) {
            for (int w = 0; w < words; w++) {
                out[w * STRIDE + plane] = in[plane * words + w];
            }
        }
        System.arraycopy(in, words * STRIDE, out, words * STRIDE, in.length - words * STRIDE);
        return out;
    }

    /** A delta that cannot be applied. */
    public static final class DeltaException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DeltaException(String message) {
            super(message);
        }

        public DeltaException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
