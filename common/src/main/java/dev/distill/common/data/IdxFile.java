package dev.distill.common.data;

import dev.distill.common.data.DatasetFormatException.Reason;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads idx files (the MNIST format: big-endian magic {@code 0x0000 08 nd}, then {@code nd} int dimensions, then
 * unsigned bytes), gzipped or not: gzip is recognised by its magic bytes, not by the file name.
 */
final class IdxFile {

    private static final int UNSIGNED_BYTE = 0x08;

    final Path path;
    final int[] dims;
    final byte[] data;

    private IdxFile(Path path, int[] dims, byte[] data) {
        this.path = path;
        this.dims = dims;
        this.data = data;
    }

    /** Reads a file of unsigned bytes with exactly {@code dimensions} dimensions. */
    static IdxFile read(Path path, int dimensions) {
        try (InputStream raw = Files.newInputStream(path);
                DataInputStream in = new DataInputStream(maybeGunzip(new BufferedInputStream(raw, 1 << 16)))) {
            int magic = readHeaderInt(in, path, "magic number");
            int expected = (UNSIGNED_BYTE << 8) | dimensions;
            if (magic != expected) {
                throw new DatasetFormatException(Reason.WRONG_MAGIC, path + ": magic number 0x" + hex(magic)
                        + ", expected 0x" + hex(expected) + " (idx, unsigned bytes, " + dimensions
                        + " dimensions); is this the right file?");
            }
            int[] dims = new int[dimensions];
            long size = 1;
            for (int i = 0; i < dimensions; i++) {
                dims[i] = readHeaderInt(in, path, "dimension " + i);
                if (dims[i] <= 0) {
                    throw new DatasetFormatException(
                            Reason.BAD_HEADER, path + ": dimension " + i + " is " + dims[i] + ", must be positive");
                }
                size *= dims[i];
            }
            if (size > Integer.MAX_VALUE - 16) {
                throw new DatasetFormatException(Reason.BAD_HEADER, path + ": " + size + " data bytes are too many");
            }
            byte[] data = in.readNBytes((int) size);
            if (data.length != size) {
                throw truncated(path, "header announces " + size + " data bytes, file holds " + data.length, null);
            }
            return new IdxFile(path, dims, data);
        } catch (EOFException | ZipException e) {
            throw truncated(path, e.getMessage(), e);
        } catch (IOException e) {
            throw new DatasetException(path + ": cannot read (" + e + ")", e);
        }
    }

    private static InputStream maybeGunzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static int readHeaderInt(DataInputStream in, Path path, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw truncated(path, "file ends before its " + what, e);
        }
    }

    private static DatasetFormatException truncated(Path path, String detail, Throwable cause) {
        return new DatasetFormatException(Reason.TRUNCATED, path + ": truncated (" + detail
                + "); re-download or reinstall the data set", cause);
    }

    private static String hex(int v) {
        return String.format("%08x", v);
    }
}
