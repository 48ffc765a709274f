package dev.distill.deploy.bench.pipeline;

import java.util.Locale;

/**
 * What {@code ./distill bench pipeline} measured. Rates are of the warm pass (the second N events through the same
 * service processes); {@code coldVsWarm} compares the first pass with it. CPU per event is over both passes.
 */
public record PipelineFigures(long events, double eventsPerSecond, double producerEventsPerSecond,
        double teacherEventsPerSecond, double studentEventsPerSecond, double kafkaHopEventsPerSecond,
        double trainerCeilingEventsPerSecond, double writeAmplification, double cpuMsPerEventTeacher,
        double cpuMsPerEventStudent, double rssMbTeacher, double rssMbStudent, double coldVsWarm,
        double testAccuracy) {

    public double studentVsTrainer() {
        return studentEventsPerSecond / trainerCeilingEventsPerSecond;
    }

    /** The one machine-readable line the benchmark ends with. */
    public String line() {
        return String.format(Locale.ROOT, "pipeline-bench events=%d events_per_s=%.1f producer_events_per_s=%.1f "
                        + "teacher_events_per_s=%.1f student_events_per_s=%.1f kafka_hop_events_per_s=%.1f "
                        + "trainer_ceiling_events_per_s=%.1f student_vs_trainer=%.3f write_amplification=%.3f "
                        + "cpu_ms_per_event_teacher=%.4f cpu_ms_per_event_student=%.4f rss_mb_teacher=%.0f "
                        + "rss_mb_student=%.0f cold_vs_warm=%.3f test_accuracy=%.4f",
                events, eventsPerSecond, producerEventsPerSecond, teacherEventsPerSecond, studentEventsPerSecond,
                kafkaHopEventsPerSecond, trainerCeilingEventsPerSecond, studentVsTrainer(), writeAmplification,
                cpuMsPerEventTeacher, cpuMsPerEventStudent, rssMbTeacher, rssMbStudent, coldVsWarm, testAccuracy);
    }
}
