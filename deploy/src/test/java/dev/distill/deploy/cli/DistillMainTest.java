package dev.distill.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.CliRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DistillMainTest {

    @ParameterizedTest
    @ValueSource(strings = {"local", "broker", "topics", "replay", "teacher", "student", "edge", "train-teacher", "bench"})
    void everySubcommandDescribesItselfWithHelp(String command) {
        CliRun run = CliRun.capture(command, "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).containsIgnoringCase("usage: distill " + command).contains("--help");
    }

    @Test
    void topLevelHelpListsTheSubcommands() {
        CliRun run = CliRun.capture("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("local", "teacher", "student", "edge", "train-teacher", "bench");
    }

    @Test
    void unknownBenchmarkTargetListsTheValidOnes() {
        CliRun run = CliRun.capture("bench", "gpu");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("broker", "teacher", "student", "edge");
    }

    @Test
    void edgeTakesTheHttpPortTheMetricsDocsAndPrometheusConfigUse() {
        CliRun help = CliRun.capture("edge", "--help");
        CliRun bad = CliRun.capture("edge", "--server", "http://localhost:1", "--model", "m", "--device-id", "d",
                "--public-key", "k.pem", "--http-port", "eighty");

        assertThat(help.out()).contains("--http-port");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--http-port").doesNotContain("Unknown option");
    }

    @Test
    void aBadConfigurationValueIsOneMessageAndExitCodeTwoNotAStackTrace() {
        CliRun run = CliRun.capture("student", "-s", "student.alpha=1.5");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("student.alpha").contains("1.5").doesNotContain("\tat ");
    }

    @Test
    void anOutOfRangeReplayOptionIsAUsageError() {
        CliRun run = CliRun.capture("replay", "--label-fraction", "2", "-s", "bootstrap.servers=localhost:1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("label fraction must be in [0, 1], got 2.0").doesNotContain("\tat ");
    }

    @Test
    void badOptionValueNamesTheOptionAndTheExpectedForm() {
        CliRun run = CliRun.capture("local", "--label-delay", "soon");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--label-delay").contains("is not a duration");
    }
}
