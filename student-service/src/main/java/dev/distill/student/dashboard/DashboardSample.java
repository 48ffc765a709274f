package dev.distill.student.dashboard;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One point of the live dashboard, read from the student's meters. Rates and mean losses are over the interval since
 * the previous sample; any value the meters do not have yet is {@code NaN}.
 *
 * @param epochMillis        when it was taken
 * @param studentAccuracy    rolling prequential accuracy of the student (0..1)
 * @param teacherAccuracy    rolling accuracy of the teacher on the same labels (0..1)
 * @param publishedAccuracy  rolling accuracy of the last published version on the labels it scored (0..1), what
 *                           the publish gate compares the student with
 * @param agreement          rolling student-teacher top-1 agreement (0..1)
 * @param softLoss           mean distillation loss of the steps in the interval
 * @param hardLoss           mean cross-entropy of the steps in the interval
 * @param examplesPerSecond  training examples consumed per second (soft and labelled)
 * @param labelsPerSecond    labels joined per second
 * @param checkpointVersion  last published checkpoint version ({@code NaN} before the first)
 * @param published          checkpoints published since start
 * @param heldBack           checkpoints held back by the quality gate since start
 * @param fleet              edge devices per model version, e.g. {@code v3 -> 2}
 */
public record DashboardSample(long epochMillis, double studentAccuracy, double teacherAccuracy,
        double publishedAccuracy, double agreement,
        double softLoss, double hardLoss, double examplesPerSecond, double labelsPerSecond, double checkpointVersion,
        double published, double heldBack, Map<String, Long> fleet) {

    public DashboardSample {
        Objects.requireNonNull(fleet, "fleet");
        fleet = Collections.unmodifiableSortedMap(new TreeMap<>(fleet));
    }
}
