package dev.distill.student.pipeline;

import dev.distill.student.config.StudentServiceConfig.GateMetric;
import dev.distill.student.training.PrequentialStats;
import java.util.Locale;

/**
 * The quality gate in front of publishing. Once the window holds {@code minLabels} examples scored by both the
 * candidate and the champion (the last version published), a candidate passes when its metric on those examples is not
 * worse than the champion's on the same examples by more than {@code epsilon}: both were scored before training on
 * them, so after a drift, when every rolling figure falls, the gate still publishes the model that copes better.
 * Until then (no champion yet in this run), it compares with the last published version's metric at its publish
 * time; the first candidate passes once the window holds {@code minLabels} labelled examples. A candidate without a
 * metric value (NaN) never passes.
 */
public record PublishGate(double epsilon, int minLabels) {

    public PublishGate {
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("gate epsilon must be >= 0, got " + epsilon);
        }
        if (minLabels < 1) {
            throw new IllegalArgumentException("gate minimum labels must be >= 1, got " + minLabels);
        }
    }

    /** The outcome, and a sentence for the log saying what was compared. */
    public record Decision(boolean passes, double candidate, String reason) {}

    /**
     * @param s             the rolling figures when the candidate was captured
     * @param lastPublished the metric of the last published checkpoint at its publish time, NaN if none is known
     */
    public Decision decide(PrequentialStats.Snapshot s, GateMetric metric, double lastPublished) {
        String name = metric.name().toLowerCase(Locale.ROOT);
        PrequentialStats.Comparison c = s.champion();
        boolean accuracy = metric == GateMetric.ACCURACY;
        int paired = accuracy ? c.examples() : c.teacherExamples();
        if (paired >= minLabels) {
            double candidate = accuracy ? c.studentAccuracy() : c.studentAgreement();
            double champion = accuracy ? c.championAccuracy() : c.championAgreement();
            return new Decision(candidate >= champion - epsilon, candidate, String.format(Locale.ROOT,
                    "%s %.4f vs %.4f of the last published version on the same %d labels (epsilon %s)", name, candidate,
                    champion, paired, epsilon));
        }
        double candidate = accuracy ? s.studentAccuracy() : s.agreement();
        return new Decision(passes(candidate, s.windowExamples(), lastPublished), candidate, String.format(Locale.ROOT,
                "%s %.4f over %d labels vs %.4f when the last version was published (epsilon %s)", name, candidate,
                s.windowExamples(), lastPublished, epsilon));
    }

    /**
     * @param candidate      the rolling metric now
     * @param labelsInWindow labelled examples behind it
     * @param lastPublished  the metric of the last published checkpoint, NaN if none is known
     */
    private boolean passes(double candidate, int labelsInWindow, double lastPublished) {
        if (Double.isNaN(candidate) || labelsInWindow < minLabels) {
            return false;
        }
        return Double.isNaN(lastPublished) || candidate >= lastPublished - epsilon;
    }
}
