package dev.distill.student.training;

/**
 * Rolling test-then-train statistics over the last {@code window} labelled examples: student accuracy, teacher
 * accuracy on the same labels (examples with teacher logits only), student–teacher top-1 agreement, and the mean
 * soft and hard loss over the last {@code window} training steps. Thread-safe: the trainer records, metrics read.
 */
public final class PrequentialStats {

    private final int window;
    // Ring buffers; -1 = no value in this slot (e.g. no teacher prediction).
    private final byte[] studentCorrect;
    private final byte[] teacherCorrect;
    private final byte[] agree;
    private final double[] softLoss;
    private final double[] hardLoss;
    private int next;
    private int filled;
    private long sumStudent;
    private long sumTeacher;
    private long teacherCount;
    private long sumAgree;
    private int nextLoss;
    private int filledLoss;
    private double sumSoft;
    private double sumHard;
    private long examples;

    public PrequentialStats(int window) {
        if (window <= 0) {
            throw new IllegalArgumentException("prequential window must be > 0, got " + window);
        }
        this.window = window;
        this.studentCorrect = new byte[window];
        this.teacherCorrect = new byte[window];
        this.agree = new byte[window];
        this.softLoss = new double[window];
        this.hardLoss = new double[window];
    }

    /**
     * Records one labelled example scored before training on it.
     *
     * @param teacherPrediction the teacher ensemble's top-1, or {@code -1} if the example has no teacher logits
     */
    public synchronized void recordPrediction(int label, int studentPrediction, int teacherPrediction) {
        if (filled == window) {
            sumStudent -= studentCorrect[next];
            if (teacherCorrect[next] >= 0) {
                sumTeacher -= teacherCorrect[next];
                sumAgree -= agree[next];
                teacherCount--;
            }
        } else {
            filled++;
        }
        studentCorrect[next] = (byte) (studentPrediction == label ? 1 : 0);
        sumStudent += studentCorrect[next];
        if (teacherPrediction >= 0) {
            teacherCorrect[next] = (byte) (teacherPrediction == label ? 1 : 0);
            agree[next] = (byte) (teacherPrediction == studentPrediction ? 1 : 0);
            sumTeacher += teacherCorrect[next];
            sumAgree += agree[next];
            teacherCount++;
        } else {
            teacherCorrect[next] = -1;
            agree[next] = -1;
        }
        next = (next + 1) % window;
        examples++;
    }

    /** Records the weighted soft and hard loss components of one training step. */
    public synchronized void recordLoss(double soft, double hard) {
        if (filledLoss == window) {
            sumSoft -= softLoss[nextLoss];
            sumHard -= hardLoss[nextLoss];
        } else {
            filledLoss++;
        }
        softLoss[nextLoss] = soft;
        hardLoss[nextLoss] = hard;
        sumSoft += soft;
        sumHard += hard;
        nextLoss = (nextLoss + 1) % window;
    }

    /** Current values; a rate is NaN while it has no example in the window. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(filled, examples,
                filled == 0 ? Double.NaN : (double) sumStudent / filled,
                teacherCount == 0 ? Double.NaN : (double) sumTeacher / teacherCount,
                teacherCount == 0 ? Double.NaN : (double) sumAgree / teacherCount,
                filledLoss == 0 ? Double.NaN : sumSoft / filledLoss,
                filledLoss == 0 ? Double.NaN : sumHard / filledLoss);
    }

    /** Rolling values over {@code windowExamples} labelled examples; {@code totalExamples} counts all ever recorded. */
    public record Snapshot(int windowExamples, long totalExamples, double studentAccuracy, double teacherAccuracy,
            double agreement, double softLoss, double hardLoss) {}
}
