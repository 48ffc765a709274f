package dev.distill.student.training;

/**
 * Rolling test-then-train statistics over the last {@code window} labelled examples: student accuracy, teacher
 * accuracy on the same labels (examples with teacher logits only), student–teacher top-1 agreement, and the mean
 * soft and hard loss over the last {@code window} training steps. Thread-safe: the trainer records, metrics read.
 *
 * <p>When an example was also scored by the champion (the last published version, see
 * {@link #recordPrediction(int, int, int, int)}), the window keeps both scores, so that a candidate and the champion
 * are compared on the same labelled examples ({@link Comparison}): after a drift both rolling accuracies fall, and
 * only a comparison on the same examples tells whether the candidate is the better one.
 */
public final class PrequentialStats {

    private final int window;
    // Ring buffers; -1 = no value in this slot (e.g. no teacher prediction).
    private final byte[] studentCorrect;
    private final byte[] teacherCorrect;
    private final byte[] agree;
    private final byte[] championCorrect; // -1: not scored by a champion
    private final byte[] championAgree; // -1: no champion score or no teacher
    private final double[] softLoss;
    private final double[] hardLoss;
    private int next;
    private int filled;
    private long sumStudent;
    private long sumTeacher;
    private long teacherCount;
    private long sumAgree;
    private int pairedCount;
    private long pairedStudent;
    private long sumChampion;
    private int pairedAgreeCount;
    private long pairedAgree;
    private long sumChampionAgree;
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
        this.championCorrect = new byte[window];
        this.championAgree = new byte[window];
        this.softLoss = new double[window];
        this.hardLoss = new double[window];
    }

    /**
     * Records one labelled example scored before training on it.
     *
     * @param teacherPrediction the teacher ensemble's top-1, or {@code -1} if the example has no teacher logits
     */
    public void recordPrediction(int label, int studentPrediction, int teacherPrediction) {
        recordPrediction(label, studentPrediction, teacherPrediction, -1);
    }

    /**
     * Records one labelled example scored before training on it, by the student and by the champion.
     *
     * @param teacherPrediction  the teacher ensemble's top-1, or {@code -1} if the example has no teacher logits
     * @param championPrediction the champion's top-1, or {@code -1} if no champion scored it
     */
    public synchronized void recordPrediction(int label, int studentPrediction, int teacherPrediction,
                                              int championPrediction) {
        if (filled == window) {
            sumStudent -= studentCorrect[next];
            if (teacherCorrect[next] >= 0) {
                sumTeacher -= teacherCorrect[next];
                sumAgree -= agree[next];
                teacherCount--;
            }
            if (championCorrect[next] >= 0) {
                pairedCount--;
                pairedStudent -= studentCorrect[next];
                sumChampion -= championCorrect[next];
            }
            if (championAgree[next] >= 0) {
                pairedAgreeCount--;
                pairedAgree -= agree[next];
                sumChampionAgree -= championAgree[next];
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
        championCorrect[next] = -1;
        championAgree[next] = -1;
        if (championPrediction >= 0) {
            championCorrect[next] = (byte) (championPrediction == label ? 1 : 0);
            pairedCount++;
            pairedStudent += studentCorrect[next];
            sumChampion += championCorrect[next];
            if (teacherPrediction >= 0) {
                championAgree[next] = (byte) (championPrediction == teacherPrediction ? 1 : 0);
                pairedAgreeCount++;
                pairedAgree += agree[next];
                sumChampionAgree += championAgree[next];
            }
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
                filledLoss == 0 ? Double.NaN : sumHard / filledLoss,
                new Comparison(pairedCount, rate(pairedStudent, pairedCount), rate(sumChampion, pairedCount),
                        pairedAgreeCount, rate(pairedAgree, pairedAgreeCount),
                        rate(sumChampionAgree, pairedAgreeCount)));
    }

    private static double rate(long sum, int count) {
        return count == 0 ? Double.NaN : (double) sum / count;
    }

    /** Rolling values over {@code windowExamples} labelled examples; {@code totalExamples} counts all ever recorded. */
    public record Snapshot(int windowExamples, long totalExamples, double studentAccuracy, double teacherAccuracy,
            double agreement, double softLoss, double hardLoss, Comparison champion) {}

    /**
     * The student and the champion on the examples of the window that both scored: {@code examples} of them for
     * accuracy, {@code teacherExamples} (those with teacher logits too) for agreement with the teacher. NaN when none.
     */
    public record Comparison(int examples, double studentAccuracy, double championAccuracy, int teacherExamples,
            double studentAgreement, double championAgreement) {}
}
