package dev.distill.deploy.bench.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * One pass: a replay process sends N fresh events (and their labels) into the running teacher and student, and the
 * pass lasts until the student has trained the soft example of every event and the labelled example of every
 * label. Watched by reading the services' counters every {@value #SAMPLE_MILLIS} ms; each moment (a stage's first
 * progress, its completion) is placed half-way between the reading before and the reading that showed it, so the
 * figures are off by at most half a sampling interval at each end.
 */
final class PipelinePass {

    static final long SAMPLE_MILLIS = 250;
    private static final long PRINT_MILLIS = 3_000;

    private final ChildJvm teacher;
    private final ChildJvm student;
    private final PipelineProbe probe;
    private final Duration stallTimeout;
    private final Path logDir;
    private final PrintStream out;

    PipelinePass(ChildJvm teacher, ChildJvm student, PipelineProbe probe, Duration stallTimeout, Path logDir,
            PrintStream out) {
        this.teacher = teacher;
        this.student = student;
        this.probe = probe;
        this.stallTimeout = stallTimeout;
        this.logDir = logDir;
        this.out = out;
    }

    /** Runs the replay with {@code replayArgs} (which send {@code events} events) and waits until all is trained. */
    PassFigures run(int pass, long events, List<String> replayArgs) throws IOException, InterruptedException {
        Progress base = probe.read();
        long teacherCpu0 = ProcessUsage.cpuMillis(teacher.pid());
        long studentCpu0 = ProcessUsage.cpuMillis(student.pid());
        List<Progress> samples = new ArrayList<>();
        samples.add(base.since(base));
        ReplaySummary replayed = null;
        Progress lastChange = samples.get(0);
        long nextPrint = base.atMillis() + PRINT_MILLIS;
        try (ChildJvm replay = ChildJvm.start("replay-" + pass, replayArgs, logDir)) {
            while (true) {
                Thread.sleep(SAMPLE_MILLIS);
                teacher.requireAlive();
                student.requireAlive();
                if (replayed == null && !replay.isAlive()) {
                    replayed = finished(replay, events);
                }
                Progress now = probe.read().since(base);
                samples.add(now);
                if (!sameCounts(now, lastChange)) {
                    lastChange = now;
                } else if (now.atMillis() - lastChange.atMillis() > stallTimeout.toMillis()) {
                    throw stalled(now, events, replayed, replay);
                }
                if (now.atMillis() >= nextPrint) {
                    out.printf(Locale.ROOT, "[pass %d %5.1fs] events sent %,d | teacher committed %,d | student trained "
                                    + "soft %,d, labelled %,d (of %,d events)%n", pass,
                            (now.atMillis() - base.atMillis()) / 1000.0, now.eventsOnTopic(), now.teacherCommitted(),
                            now.studentSoft(), now.studentLabelled(), events);
                    nextPrint = now.atMillis() + PRINT_MILLIS;
                }
                if (replayed != null && done(now, events, replayed.labels())) {
                    break;
                }
            }
        }
        long labels = replayed.labels();
        double endToEnd = moment(samples, p -> done(p, events, labels)) - replayed.startedAtMillis();
        double teacherSpan = moment(samples, p -> p.teacherCommitted() >= events)
                - moment(samples, p -> p.teacherCommitted() > 0);
        double studentSpan = moment(samples, p -> done(p, events, labels)) - moment(samples, p -> p.studentTrained() > 0);
        return new PassFigures(pass, events, labels, endToEnd / 1000, perSecond(events, endToEnd),
                replayed.eventsPerSecond(), perSecond(events, teacherSpan), perSecond(events, studentSpan),
                ProcessUsage.cpuMillis(teacher.pid()) - teacherCpu0, ProcessUsage.cpuMillis(student.pid()) - studentCpu0);
    }

    private static boolean done(Progress p, long events, long labels) {
        return p.teacherCommitted() >= events && p.studentSoft() >= events && p.studentLabelled() >= labels;
    }

    private static boolean sameCounts(Progress a, Progress b) {
        return a.eventsOnTopic() == b.eventsOnTopic() && a.teacherCommitted() == b.teacherCommitted()
                && a.studentSoft() == b.studentSoft() && a.studentLabelled() == b.studentLabelled();
    }

    /** Half-way between the last reading that did not satisfy {@code reached} and the first one that did. */
    private static double moment(List<Progress> samples, Predicate<Progress> reached) {
        for (int i = 1; i < samples.size(); i++) {
            if (reached.test(samples.get(i))) {
                return (samples.get(i - 1).atMillis() + samples.get(i).atMillis()) / 2.0;
            }
        }
        throw new IllegalStateException("no reading reached the condition");
    }

    /** Events per second over {@code millis}, which is at least half a sampling interval (the resolution). */
    private static double perSecond(long events, double millis) {
        return events / (Math.max(millis, SAMPLE_MILLIS / 2.0) / 1000);
    }

    private static ReplaySummary finished(ChildJvm replay, long events) {
        int code = replay.exitCode().orElseThrow();
        if (code != 0) {
            throw new IllegalStateException("the replay (pid " + replay.pid() + ") exited with " + code
                    + "; last lines of " + replay.log() + ":\n" + replay.tail(30));
        }
        ReplaySummary summary = ReplaySummary.parse(replay.output());
        if (summary.sendErrors() > 0 || summary.events() != events) {
            throw new IllegalStateException("the replay sent " + summary.events() + " of " + events + " events with "
                    + summary.sendErrors() + " send errors; see " + replay.log());
        }
        return summary;
    }

    private IllegalStateException stalled(Progress now, long events, ReplaySummary replayed, ChildJvm replay) {
        String stage;
        ChildJvm where;
        if (replayed == null && now.eventsOnTopic() < events) {
            stage = "the replay (events sent)";
            where = replay;
        } else if (now.teacherCommitted() < events) {
            stage = "the teacher (logits committed)";
            where = teacher;
        } else {
            stage = "the student (examples trained)";
            where = student;
        }
        return new IllegalStateException(String.format(Locale.ROOT, "pipeline bench: no progress for %d s; %s is "
                        + "stuck at events sent %,d, teacher committed %,d, student soft %,d, labelled %,d of %,d "
                        + "events; last lines of %s:%n%s", stallTimeout.toSeconds(), stage, now.eventsOnTopic(),
                now.teacherCommitted(), now.studentSoft(), now.studentLabelled(), events, where.log(), where.tail(30)));
    }
}
