package dev.distill.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, end to end: broker, first-use teacher training, teacher, student, edge, replay. */
class LocalCommandIT {

    @TempDir Path home;

    @Test
    void localStackRunsTheWholeLoopFromEventsToAnEdgeAgentServingAPublishedStudent() {
        // Given a fresh home (no cached teacher) and a small teacher so that first-use training takes seconds
        // When the local stack replays 2000 events, all labelled half a second later
        CliRun run = CliRun.inHome(home, "local", "--events", "2000", "--rate", "400", "--label-delay", "500ms",
                "--label-fraction", "1", "--drain", "15s", "--teacher-architecture", "mlp:784-32-10",
                "--teacher-epochs", "1", "-s", "student.checkpoint.every.examples=500",
                "-s", "student.checkpoint.every.ms=3000");
        int code = run.exitCode();
        String printed = run.out();

        // Then the teacher was trained and cached, every event was scored, the student trained on the joined
        // stream and published, and the edge agent serves a published version
        assertThat(code).isZero();
        assertThat(Files.exists(home.resolve("models/teacher/teacher.params"))).isTrue();
        assertThat(printed)
                .contains("broker ready at")
                .contains("replay-summary events=2000 labels=2000 labels_unsent=0 send_errors=0")
                .containsPattern("teacher logits committed\\s+2,000")
                .containsPattern("student examples trained\\s+4,000");
        assertThat(number(printed, "latest published version\\s+v(\\d+)")).isGreaterThanOrEqualTo(1);
        long edgeVersion = number(printed, "edge agent serving\\s+v(\\d+)");
        assertThat(edgeVersion).isGreaterThanOrEqualTo(1);
        assertThat(printed).as("the student's fleet view counts the agent from its status reports")
                .containsPattern("fleet, from edge status reports\\s+\\{v\\d+=1\\}");
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'" + regex + "' in the output").isTrue();
        return Long.parseLong(m.group(1));
    }
}
