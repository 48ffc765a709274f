package dev.distill.student.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    private static StudentCheckpoint checkpoint(long step) {
        return new StudentCheckpoint("mlp:784-128-10", step, new byte[] {1, 2, (byte) step}, new byte[] {9, 8},
                Map.of("distill.joined-0", step * 10, "distill.joined-1", step * 7), Map.of("k", "v"),
                Instant.parse("2026-01-01T00:00:00.123456789Z"));
    }

    @Test
    void roundTripsThroughBytes() {
        StudentCheckpoint original = checkpoint(42);

        assertThat(StudentCheckpoint.fromBytes(original.toBytes())).isEqualTo(original);
    }

    @Test
    void rejectsCorruptBytesWithTypedError() {
        byte[] bytes = checkpoint(1).toBytes();
        bytes[bytes.length / 2] ^= 0x10;

        assertThatThrownBy(() -> StudentCheckpoint.fromBytes(bytes))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void keepsTheLastKAndLoadsTheNewest(@TempDir Path dir) {
        CheckpointStore store = new CheckpointStore(dir, 2);
        for (long step = 1; step <= 4; step++) {
            store.save(checkpoint(step * 100));
        }

        assertThat(store.listNewestFirst()).extracting(p -> p.getFileName().toString())
                .containsExactly("student-00000000000000000400.ckpt", "student-00000000000000000300.ckpt");
        assertThat(store.loadLatest()).contains(checkpoint(400));
    }

    @Test
    void fallsBackToThePreviousCheckpointWhenTheNewestIsCorrupt(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 3);
        store.save(checkpoint(1));
        Path newest = store.save(checkpoint(2));
        Files.write(newest, new byte[] {1, 2, 3});

        assertThat(store.loadLatest()).contains(checkpoint(1));
    }

    @Test
    void leavesNoTemporaryFilesAndIsEmptyWhenNothingWasSaved(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir.resolve("sub"), 1);
        assertThat(store.loadLatest()).isEmpty();

        store.save(checkpoint(5));

        try (var files = Files.list(dir.resolve("sub"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactly("student-00000000000000000005.ckpt");
        }
    }
}
