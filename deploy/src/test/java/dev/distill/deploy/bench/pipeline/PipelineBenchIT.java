package dev.distill.deploy.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.CliRun;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./distill bench pipeline} end to end with a few thousand events: the replay, teacher and student run as
 * child JVMs. Asserts that every figure is there and consistent with the others, not how fast anything is (the
 * machines are shared and noisy).
 */
class PipelineBenchIT {

    private static final List<String> FIELDS = List.of("events", "events_per_s", "producer_events_per_s",
            "teacher_events_per_s", "student_events_per_s", "kafka_hop_events_per_s", "trainer_ceiling_events_per_s",
            "student_vs_trainer", "write_amplification", "cpu_ms_per_event_teacher", "cpu_ms_per_event_student",
            "rss_mb_teacher", "rss_mb_student", "cold_vs_warm", "test_accuracy");

    @TempDir Path home;

    @Test
    void measuresTheWholePathWithEveryStageAsItsOwnProcessAndEndsWithOneLineOfSaneFigures() {
        // Given a fresh home, so the bench trains a (small) teacher on first use
        // When the bench runs two passes of 2 000 events, every one labelled 200 events later
        CliRun run = CliRun.inHome(home, "bench", "pipeline", "--events", "2000", "--label-delay-events", "200",
                "--architecture", "mlp:784-64-10", "--teacher-epochs", "1", "--stall-timeout", "180s");

        // Then it succeeds and its last line holds every figure, in order
        assertThat(run.exitCode()).isZero();
        String[] lines = run.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertThat(last).startsWith("pipeline-bench ");
        Map<String, Double> f = figures(last);
        assertThat(f.keySet()).containsExactlyElementsOf(FIELDS);
        assertThat(f.get("events")).isEqualTo(2000);

        // and the rates are positive and fit together
        for (String rate : List.of("events_per_s", "producer_events_per_s", "teacher_events_per_s",
                "student_events_per_s", "kafka_hop_events_per_s", "trainer_ceiling_events_per_s", "cold_vs_warm")) {
            assertThat(f.get(rate)).as(rate).isPositive().isFinite();
        }
        assertThat(f.get("events_per_s")).as("end to end cannot beat the stages it includes")
                .isLessThanOrEqualTo(f.get("teacher_events_per_s") * 1.05)
                .isLessThanOrEqualTo(f.get("student_events_per_s") * 1.05);
        assertThat(f.get("student_vs_trainer"))
                .isCloseTo(f.get("student_events_per_s") / f.get("trainer_ceiling_events_per_s"),
                        org.assertj.core.data.Offset.offset(0.002));

        // and the services wrote to Kafka (at least the logits), used CPU and memory of their own
        assertThat(f.get("write_amplification")).isPositive().isLessThan(50);
        assertThat(f.get("cpu_ms_per_event_teacher")).isPositive();
        assertThat(f.get("cpu_ms_per_event_student")).isPositive();
        assertThat(f.get("rss_mb_teacher")).isBetween(50.0, 8000.0);
        assertThat(f.get("rss_mb_student")).isBetween(50.0, 8000.0);

        // and the published student learnt something (chance is 0.10)
        assertThat(f.get("test_accuracy")).isBetween(0.3, 1.0);

        // and the per-topic bytes and per-stage figures came before the line
        assertThat(run.out())
                .contains("pass 1: 2,000 events, 2,000 labels")
                .contains("pass 2: 2,000 events, 2,000 labels")
                .containsPattern("teacher-logits\\s+[0-9,]+ B")
                .contains("written by teacher + student")
                .contains("per stage, warm pass");
    }

    private static Map<String, Double> figures(String line) {
        Map<String, Double> figures = new LinkedHashMap<>();
        for (String pair : line.substring("pipeline-bench ".length()).split(" ")) {
            String[] kv = pair.split("=", 2);
            figures.put(kv[0], Double.parseDouble(kv[1]));
        }
        return figures;
    }
}
