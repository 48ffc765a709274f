package dev.distill.student.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the last {@code keep} student checkpoints in a local directory as {@code student-<step>.ckpt}. A save writes a
 * temporary file, forces it to disk, renames it atomically into place and forces the directory, so a crash leaves
 * either the old set or the new file complete, never a torn one. Single writer per directory.
 */
public final class CheckpointStore {

    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("student-(\\d{20})\\.ckpt");

    private final Path dir;
    private final int keep;

    public CheckpointStore(Path dir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoint store must keep at least 1 checkpoint, got " + keep);
        }
        this.dir = dir;
        this.keep = keep;
    }

    public Path directory() {
        return dir;
    }

    /** Writes {@code checkpoint} durably, then deletes all but the newest {@code keep}; returns its path. */
    public Path save(StudentCheckpoint checkpoint) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(String.format("student-%020d.ckpt", checkpoint.step()));
            Path tmp = Files.createTempFile(dir, "student-", ".ckpt.tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer data = ByteBuffer.wrap(checkpoint.toBytes());
                    while (data.hasRemaining()) {
                        ch.write(data);
                    }
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            forceDirectory();
            prune();
            return target;
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("checkpoint directory " + dir + " does not support atomic renames; "
                    + "put checkpoints on a local file system", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint at step " + checkpoint.step() + " into " + dir
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest readable checkpoint. A newest file that is corrupt is logged and skipped in favour of the one before
     * (the store keeps {@code keep} for that reason); empty if there is none.
     */
    public Optional<StudentCheckpoint> loadLatest() {
        for (Path file : listNewestFirst()) {
            try {
                return Optional.of(StudentCheckpoint.fromBytes(Files.readAllBytes(file)));
            } catch (CheckpointFormatException | IOException e) {
                log.warn("skipping unreadable checkpoint {}: {}", file, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Checkpoint files, newest (highest step) first. */
    public List<Path> listNewestFirst() {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "student-*.ckpt")) {
            for (Path p : stream) {
                if (NAME.matcher(p.getFileName().toString()).matches()) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint directory " + dir + ": " + e.getMessage(), e);
        }
        files.sort(Comparator.comparingLong(CheckpointStore::stepOf).reversed());
        return files;
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private void prune() throws IOException {
        List<Path> files = listNewestFirst();
        for (int i = keep; i < files.size(); i++) {
            Files.deleteIfExists(files.get(i));
        }
    }

    // Makes the rename itself durable; Linux supports fsync on a directory opened for reading.
    private void forceDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            log.debug("cannot fsync directory {} (not supported here): {}", dir, e.getMessage());
        }
    }
}
