package dev.distill.deploy.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.deploy.DistillMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C in the middle of a drift run, as a user would press it: {@code ./distill local --scenario drift} runs in
 * its own JVM and gets a real SIGINT after the stream has drifted; within the replay's shutdown window it still
 * prints the four-model table and ends with the drift-summary line.
 */
class DriftCtrlCIT {

    private static final String NUMBER = "(0|1)\\.\\d{4}";

    @TempDir Path home;

    @Test
    void ctrlCAfterTheDriftStillPrintsTheTableAndTheSummaryLine() throws Exception {
        // Given a drift run of 20 000 events at 400/s (50 s) that drifts from the 1 000th, in its own JVM
        Path out = home.resolve("distill.out");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-Ddistill.home=" + home, "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-cp", System.getProperty("java.class.path"), DistillMain.class.getName(),
                "local", "--scenario", "drift", "--drift", "rotate", "--drift-at", "0.05",
                "--events", "20000", "--rate", "400", "--label-delay", "300ms", "--label-fraction", "0.5",
                "--teacher-architecture", "mlp:784-32-10", "--teacher-epochs", "1", "--start-epochs", "1",
                "-s", "student.architecture=mlp:784-16-10", "-s", "student.checkpoint.every.examples=400",
                "-s", "student.checkpoint.every.ms=1500"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        try {
            // When the stream has drifted and a version has been published, the user presses Ctrl-C
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !process.isAlive() || read(out).matches("(?s).*\\[drifted\\].*published v\\d+.*"));
            assertThat(process.isAlive()).as("still streaming when Ctrl-C comes; output:%n%s", read(out)).isTrue();
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).isTrue();

            // Then the replay stops early, and within the shutdown window the table and the summary line come last
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("exited within 90 s of Ctrl-C").isTrue();
        } finally {
            process.destroyForcibly();
        }
        String printed = read(out);
        Matcher sent = Pattern.compile("replay-summary events=(\\d+) ").matcher(printed);
        assertThat(sent.find()).as("a replay-summary line").isTrue();
        assertThat(Integer.parseInt(sent.group(1))).as("events sent before Ctrl-C").isBetween(1_000, 19_999);
        assertThat(printed)
                .containsPattern("online-distilled student \\(edge v\\d+\\)\\s+" + NUMBER + "\\s+" + NUMBER)
                .containsPattern("labels-only student \\([\\d,]+ labels, no teacher\\)\\s+" + NUMBER + "\\s+" + NUMBER);
        List<String> stdout = Arrays.stream(printed.split("\\R"))
                .filter(l -> !l.isBlank() && !l.matches("^\\d\\d:\\d\\d:\\d\\d .*")) // the services' log lines
                .toList();
        assertThat(stdout.get(stdout.size() - 1)).matches("drift-summary teacher=" + NUMBER + " frozen_before="
                + NUMBER + " frozen_after=" + NUMBER + " online=" + NUMBER + " labels_only=" + NUMBER);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
