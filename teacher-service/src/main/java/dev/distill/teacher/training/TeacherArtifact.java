package dev.distill.teacher.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.signing.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * A trained teacher on disk: {@value #PARAMS_FILE} ({@code Models.parameterBytes}) and {@value #METADATA_FILE}
 * ({@link TeacherMetadata} as JSON). Each file is replaced atomically (written beside, fsynced, renamed); the
 * parameters go first and the metadata, which carries their SHA-256, last, so a reader that checks the hash never
 * accepts a half-replaced pair.
 */
public record TeacherArtifact(TeacherMetadata metadata, byte[] parameters) {

    public static final String PARAMS_FILE = "teacher.params";
    public static final String METADATA_FILE = "teacher.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TeacherArtifact {
        if (metadata == null || parameters == null) {
            throw new IllegalArgumentException("teacher artifact needs metadata and parameters");
        }
        parameters = parameters.clone();
        String actual = Sha256.hex(parameters);
        if (!actual.equals(metadata.parametersSha256())) {
            throw new IllegalArgumentException("teacher parameters have SHA-256 " + actual + " but the metadata says "
                    + metadata.parametersSha256() + "; the files do not belong together");
        }
    }

    @Override
    public byte[] parameters() {
        return parameters.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TeacherArtifact other && metadata.equals(other.metadata)
                && Arrays.equals(parameters, other.parameters);
    }

    @Override
    public int hashCode() {
        return metadata.hashCode();
    }

    @Override
    public String toString() {
        return "TeacherArtifact[" + metadata.architecture() + ", " + parameters.length + " parameter bytes, sha256 "
                + metadata.parametersSha256() + "]";
    }

    public Architecture architecture() {
        return Architectures.parse(metadata.architecture());
    }

    /** Writes both files into {@code dir} (created if missing), replacing an earlier teacher there. */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            replaceAtomically(dir, PARAMS_FILE, parameters);
            replaceAtomically(dir, METADATA_FILE, JSON.writeValueAsBytes(metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write teacher model to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads and checks a teacher written by {@link #write(Path)}.
     *
     * @throws UncheckedIOException if a file is missing or unreadable, saying which and how to produce it
     * @throws IllegalArgumentException if the parameters do not match the metadata's hash
     */
    public static TeacherArtifact read(Path dir) {
        Path meta = dir.resolve(METADATA_FILE);
        Path params = dir.resolve(PARAMS_FILE);
        try {
            TeacherMetadata metadata = JSON.readValue(Files.readAllBytes(meta), TeacherMetadata.class);
            return new TeacherArtifact(metadata, Files.readAllBytes(params));
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no trained teacher in " + dir + ": " + e.getFile()
                    + " is missing; train one with `./distill train-teacher --output " + dir + "`", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read teacher model from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void replaceAtomically(Path dir, String name, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(dir, "." + name + ".", ".tmp");
        try {
            // Temp files are owner-only; the serving teacher may run as another user, so publish as rw-r--r--.
            if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
