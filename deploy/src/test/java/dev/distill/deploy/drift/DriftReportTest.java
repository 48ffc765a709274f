package dev.distill.deploy.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.drift.DriftReport.Accuracy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DriftReportTest {

    private final DriftReport report = new DriftReport("rotate, seed 1", "edge v7", 2400,
            new Accuracy(0.91, 0.83), new Accuracy(0.86, 0.16), new Accuracy(0.80, 0.61), new Accuracy(0.78, 0.50));

    @Test
    void summaryLineGivesDriftedAccuraciesAndTheFrozenStudentsCleanOne() {
        assertThat(report.summaryLine()).isEqualTo(
                "drift-summary teacher=0.8300 frozen_before=0.8600 frozen_after=0.1600 online=0.6100 labels_only=0.5000");
    }

    @Test
    void recoveredIsTheShareOfTheFrozenStudentsLossTheOnlineStudentWonBack() {
        // lost 0.70, won back 0.45
        assertThat(report.recovered()).isCloseTo(0.45 / 0.70, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void printedTableEndsWithTheSummaryLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).strip().split("\\R");
        assertThat(lines[lines.length - 1]).isEqualTo(report.summaryLine());
        assertThat(lines).anyMatch(l -> l.contains("online-distilled student (edge v7)") && l.contains("0.6100"));
        assertThat(lines).anyMatch(l -> l.contains("regained 64% of the 70.0 points"));
    }
}
