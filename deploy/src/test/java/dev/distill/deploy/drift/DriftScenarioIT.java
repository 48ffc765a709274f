package dev.distill.deploy.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift scenario's wiring, end to end with tiny models (seconds to train): starting student trained and cached,
 * drifted replay, warm-started online student published to the edge, labels-only control, and the closing table and
 * line. The accuracy targets need the real teacher and a longer stream; they are printed by {@code local --scenario
 * drift}, not asserted here.
 */
class DriftScenarioIT {

    private static final String NUMBER = "(0|1)\\.\\d{4}";

    @TempDir Path home;

    @Test
    void driftScenarioWarmStartsTheStudentDriftsTheStreamAndEndsWithTheDriftSummaryLine() {
        // Given a fresh home, a tiny teacher and a tiny student architecture (both trained on first use in seconds)

        // When the drift scenario replays 1600 events that drift from the 800th on
        CliRun run = CliRun.inHome(home, "local", "--scenario", "drift", "--drift", "rotate", "--drift-at", "0.5",
                "--events", "1600", "--rate", "400", "--label-delay", "300ms", "--label-fraction", "0.5",
                "--drain", "150s", "--teacher-architecture", "mlp:784-32-10", "--teacher-epochs", "1",
                "--start-epochs", "1", "-s", "student.architecture=mlp:784-16-10",
                "-s", "student.checkpoint.every.examples=400", "-s", "student.checkpoint.every.ms=1500");
        int code = run.exitCode();
        String printed = run.out();

        // Then the starting student was trained offline and cached, the online student started from it, the stream
        // drifted half-way, and the run ended with the four-model table and the drift-summary line, last
        assertThat(code).isZero();
        assertThat(Files.exists(home.resolve("models/student-start/mlp-784-16-10-e1/teacher.params"))).isTrue();
        assertThat(printed)
                .contains("starting student: none in")
                .contains("drift scenario: events from #800 on are rotate(")
                .contains("replay-summary events=1600 ")
                .containsPattern("caught up: the edge serves v\\d+, which holds every example")
                .containsPattern("teacher\\s+" + NUMBER + "\\s+" + NUMBER)
                .containsPattern("frozen starting student \\(offline, clean data\\)\\s+" + NUMBER + "\\s+" + NUMBER)
                .containsPattern("online-distilled student \\(edge v\\d+\\)\\s+" + NUMBER + "\\s+" + NUMBER)
                .containsPattern("labels-only student \\([\\d,]+ labels, no teacher\\)\\s+" + NUMBER + "\\s+" + NUMBER);
        List<String> lines = Arrays.stream(printed.split("\\R")).filter(l -> !l.isBlank()).toList();
        assertThat(lines.get(lines.size() - 1)).matches("drift-summary teacher=" + NUMBER + " frozen_before=" + NUMBER
                + " frozen_after=" + NUMBER + " online=" + NUMBER + " labels_only=" + NUMBER);
    }
}
