package dev.distill.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.DistillMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DistillMainTest {

    @ParameterizedTest
    @ValueSource(strings = {"local", "broker", "topics", "replay", "teacher", "student", "edge", "train-teacher", "bench"})
    void everySubcommandDescribesItselfWithHelp(String command) {
        Captured run = capture(command, "--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).containsIgnoringCase("usage: distill " + command).contains("--help");
    }

    @Test
    void topLevelHelpListsTheSubcommands() {
        Captured run = capture("--help");

        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("local", "teacher", "student", "edge", "train-teacher", "bench");
    }

    @Test
    void unknownBenchmarkTargetListsTheValidOnes() {
        Captured run = capture("bench", "gpu");

        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("broker", "teacher", "student", "edge");
    }

    @Test
    void badOptionValueNamesTheOptionAndTheExpectedForm() {
        Captured run = capture("local", "--label-delay", "soon");

        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("--label-delay").contains("is not a duration");
    }

    private record Captured(int exitCode, String out, String err) {}

    private static Captured capture(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = DistillMain.run(args);
            return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
