package dev.distill.deploy.drift;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The drift scenario's result: clean and drifted test accuracy of the teacher, the frozen starting student, the
 * online-distilled student as the edge serves it, and the labels-only student, printed as a table and one
 * machine-readable closing line.
 *
 * @param scenario     what the stream and the test split were transformed by, for the heading
 * @param onlineSource which published version the online row is (e.g. {@code edge v7})
 * @param labelsUsed   labelled examples the labels-only student trained on
 */
public record DriftReport(String scenario, String onlineSource, long labelsUsed, Accuracy teacher, Accuracy frozen,
        Accuracy online, Accuracy labelsOnly) {

    /** Top-1 accuracy on the clean and on the drifted test split. */
    public record Accuracy(double clean, double drifted) {}

    /** Share of the accuracy the frozen student lost to the drift that the online student won back (may be < 0). */
    public double recovered() {
        double lost = frozen.clean() - frozen.drifted();
        return lost <= 0 ? Double.NaN : (online.drifted() - frozen.drifted()) / lost;
    }

    /**
     * {@code drift-summary teacher=… frozen_before=… frozen_after=… online=… labels_only=…}: accuracies on the drifted
     * test split, except {@code frozen_before} on the clean one.
     */
    public String summaryLine() {
        return String.format(Locale.ROOT, "drift-summary teacher=%.4f frozen_before=%.4f frozen_after=%.4f online=%.4f "
                + "labels_only=%.4f", teacher.drifted(), frozen.clean(), frozen.drifted(), online.drifted(),
                labelsOnly.drifted());
    }

    /** The table, a verdict line, and {@link #summaryLine()} last. */
    public void print(PrintStream out) {
        out.println();
        out.println("drift scenario: test accuracy, clean and drifted (" + scenario + ")");
        out.printf("  %-46s %8s %8s%n", "model", "clean", "drifted");
        row(out, "teacher", teacher);
        row(out, "frozen starting student (offline, clean data)", frozen);
        row(out, "online-distilled student (" + onlineSource + ")", online);
        row(out, String.format(Locale.ROOT, "labels-only student (%,d labels, no teacher)", labelsUsed), labelsOnly);
        double r = recovered();
        out.printf(Locale.ROOT, "  online student regained %s of the %.1f points the frozen student lost; %+.1f points vs "
                        + "labels only%n", Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * r),
                100 * (frozen.clean() - frozen.drifted()), 100 * (online.drifted() - labelsOnly.drifted()));
        out.println(summaryLine());
    }

    private static void row(PrintStream out, String name, Accuracy a) {
        out.printf(Locale.ROOT, "  %-46s %8.4f %8.4f%n", name, a.clean(), a.drifted());
    }
}
