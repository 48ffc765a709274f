package dev.distill.student.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Append-only CSV beside the checkpoints ({@code partition,fromOffset,toOffsetExclusive,checkpointStep}): for every
 * checkpoint, the examples-topic offset ranges whose examples its parameters have trained on since the previous one.
 * Across restarts the ranges of one partition tile its offsets: each offset in exactly one range (an audit trail of
 * "trained exactly once"). A line is forced to disk before the next checkpoint is written; a torn last line (crash
 * mid-write) is dropped on open and rewritten from the checkpoint (see {@link TrainerLoop}).
 */
public final class TrainingLedger {

    public static final String FILE_NAME = "ledger.csv";
    static final String HEADER = "partition,fromOffset,toOffsetExclusive,checkpointStep";

    /** One trained range. */
    public record Range(int partition, long fromOffset, long toOffsetExclusive, long checkpointStep) {
        public Range {
            if (fromOffset < 0 || toOffsetExclusive < fromOffset) {
                throw new IllegalArgumentException("ledger range of partition " + partition + " is [" + fromOffset
                        + ", " + toOffsetExclusive + "), expected 0 <= from <= to");
            }
        }

        String line() {
            return partition + "," + fromOffset + "," + toOffsetExclusive + "," + checkpointStep;
        }
    }

    private final Path file;

    /** Opens (creating it if needed) the ledger in {@code dir}, dropping a torn last line. */
    public TrainingLedger(Path dir) {
        this.file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
            if (!Files.exists(file)) {
                Files.writeString(file, HEADER + "\n", StandardCharsets.UTF_8);
                return;
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                Files.writeString(file, text.substring(0, text.lastIndexOf('\n') + 1), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open training ledger " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Appends the non-empty ranges and forces them to disk. */
    public void append(List<Range> ranges) {
        StringBuilder sb = new StringBuilder();
        for (Range r : ranges) {
            if (r.toOffsetExclusive() > r.fromOffset()) {
                sb.append(r.line()).append('\n');
            }
        }
        if (sb.length() == 0) {
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer data = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (data.hasRemaining()) {
                ch.write(data);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to training ledger " + file + ": " + e.getMessage(), e);
        }
    }

    /** The highest checkpoint step recorded, or -1. */
    public long lastStep() {
        return read(file).stream().mapToLong(Range::checkpointStep).max().orElse(-1);
    }

    /** All ranges in file order. */
    public static List<Range> read(Path file) {
        List<Range> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.equals(HEADER)) {
                    continue;
                }
                String[] f = line.split(",");
                if (f.length != 4) {
                    throw new IllegalStateException("training ledger " + file + ": malformed line '" + line + "'");
                }
                out.add(new Range(Integer.parseInt(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                        Long.parseLong(f[3])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training ledger " + file + ": " + e.getMessage(), e);
        }
        return out;
    }
}
