package dev.distill.student.pipeline;

/**
 * The quality gate in front of publishing: a candidate passes when its rolling metric is not worse than the last
 * published one's by more than {@code epsilon}; the first candidate passes once the window holds {@code minLabels}
 * labelled examples. A candidate without a metric value (NaN) never passes.
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

    /**
     * @param candidate      the rolling metric now
     * @param labelsInWindow labelled examples behind it
     * @param lastPublished  the metric of the last published checkpoint, NaN if none is known
     */
    public boolean passes(double candidate, int labelsInWindow, double lastPublished) {
        if (Double.isNaN(candidate) || labelsInWindow < minLabels) {
            return false;
        }
        return Double.isNaN(lastPublished) || candidate >= lastPublished - epsilon;
    }
}
