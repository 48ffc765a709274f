package dev.distill.deploy.bench.pipeline;

import java.util.Locale;

/**
 * One pass of N events through the running services.
 *
 * @param eventsPerSecond        end to end: the replay's first send to the student's last trained example
 * @param producerEventsPerSecond the replay's own send rate
 * @param teacherEventsPerSecond logits committed per second over the teacher's active span
 * @param studentEventsPerSecond events fully trained (soft and labelled example) per second over the student's span
 * @param teacherCpuMillis       CPU time (user + system) the teacher's process used during the pass
 * @param studentCpuMillis       the same for the student's process
 */
record PassFigures(int pass, long events, long labels, double seconds, double eventsPerSecond,
        double producerEventsPerSecond, double teacherEventsPerSecond, double studentEventsPerSecond,
        long teacherCpuMillis, long studentCpuMillis) {

    String describe() {
        return String.format(Locale.ROOT, "pass %d: %,d events, %,d labels in %.1f s: end to end %,.0f events/s | "
                        + "producer %,.0f | teacher %,.0f | student %,.0f | cpu teacher %.3f ms/event, student %.3f",
                pass, events, labels, seconds, eventsPerSecond, producerEventsPerSecond, teacherEventsPerSecond,
                studentEventsPerSecond, teacherCpuMillis / (double) events, studentCpuMillis / (double) events);
    }
}
