package dev.distill.student.training;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Everything a trainer needs to resume exactly: the architecture spec, the number of steps taken, the model
 * parameters (DJL parameter bytes), the {@link NamedAdam} state, and for each input {@code "topic-partition"} the next
 * offset not yet trained on (replay starts there: nothing lost, nothing trained twice). Metadata is free-form.
 * Arrays and maps are copied.
 */
public record StudentCheckpoint(String architecture, long step, byte[] parameters, byte[] optimizerState,
        Map<String, Long> offsets, Map<String, String> metadata, Instant createdAt) {

    private static final int MAGIC = 0x44534350; // "DSCP"
    private static final int FORMAT_VERSION = 1;

    public StudentCheckpoint {
        if (architecture == null || architecture.isBlank()) {
            throw new IllegalArgumentException("checkpoint architecture must not be blank");
        }
        if (step < 0) {
            throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
        }
        for (Map.Entry<String, Long> e : offsets.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException("checkpoint offset of " + e.getKey() + " must be >= 0, got "
                        + e.getValue());
            }
        }
        parameters = parameters.clone();
        optimizerState = optimizerState.clone();
        offsets = Map.copyOf(offsets);
        metadata = Map.copyOf(metadata);
        if (createdAt == null) {
            throw new IllegalArgumentException("checkpoint createdAt must not be null");
        }
    }

    @Override
    public byte[] parameters() {
        return parameters.clone();
    }

    @Override
    public byte[] optimizerState() {
        return optimizerState.clone();
    }

    /** The binary form: magic, version, fields, then a CRC32C of everything before it. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(parameters.length + optimizerState.length + 1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeUTF(architecture);
            out.writeLong(step);
            out.writeLong(createdAt.getEpochSecond());
            out.writeInt(createdAt.getNano());
            out.writeInt(offsets.size());
            for (Map.Entry<String, Long> e : new TreeMap<>(offsets).entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(metadata.size());
            for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.writeInt(parameters.length);
            out.write(parameters);
            out.writeInt(optimizerState.length);
            out.write(optimizerState);
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint to memory", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Parses {@link #toBytes()} output.
     *
     * @throws CheckpointFormatException if the bytes are truncated, corrupt (checksum) or of an unknown format
     */
    public static StudentCheckpoint fromBytes(byte[] bytes) {
        if (bytes.length < Long.BYTES + 2 * Integer.BYTES) {
            throw new CheckpointFormatException("checkpoint is " + bytes.length + " bytes, too short to be one");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - Long.BYTES);
        long stored = 0;
        for (int i = bytes.length - Long.BYTES; i < bytes.length; i++) {
            stored = (stored << 8) | (bytes[i] & 0xFF);
        }
        if (crc.getValue() != stored) {
            throw new CheckpointFormatException("checkpoint checksum mismatch (truncated or corrupt file)");
        }
        try (DataInputStream in = new DataInputStream(
                new ByteArrayInputStream(bytes, 0, bytes.length - Long.BYTES))) {
            if (in.readInt() != MAGIC) {
                throw new CheckpointFormatException("not a student checkpoint (bad magic number)");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new CheckpointFormatException("student checkpoint format " + version
                        + " is not supported by this version (expected " + FORMAT_VERSION + ")");
            }
            String architecture = in.readUTF();
            long step = in.readLong();
            Instant createdAt = Instant.ofEpochSecond(in.readLong(), in.readInt());
            Map<String, Long> offsets = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                offsets.put(in.readUTF(), in.readLong());
            }
            Map<String, String> metadata = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                metadata.put(in.readUTF(), in.readUTF());
            }
            byte[] parameters = readBlock(in, "parameters");
            byte[] optimizerState = readBlock(in, "optimizer state");
            if (in.available() != 0) {
                throw new CheckpointFormatException(in.available() + " unexpected bytes after the checkpoint fields");
            }
            return new StudentCheckpoint(architecture, step, parameters, optimizerState, offsets, metadata, createdAt);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointFormatException("checkpoint fields are malformed: " + e.getMessage(), e);
        }
    }

    private static byte[] readBlock(DataInputStream in, String what) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new CheckpointFormatException("checkpoint " + what + " length " + length + " exceeds the "
                    + in.available() + " bytes left");
        }
        return in.readNBytes(length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StudentCheckpoint c && step == c.step && architecture.equals(c.architecture)
                && Arrays.equals(parameters, c.parameters) && Arrays.equals(optimizerState, c.optimizerState)
                && offsets.equals(c.offsets) && metadata.equals(c.metadata) && createdAt.equals(c.createdAt);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(step) * 31 + Arrays.hashCode(parameters);
    }

    @Override
    public String toString() {
        return "StudentCheckpoint[" + architecture + ", step " + step + ", " + parameters.length + " parameter bytes, "
                + optimizerState.length + " optimizer bytes, offsets " + offsets + ", " + createdAt + "]";
    }
}
