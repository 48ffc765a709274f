package dev.distill.deploy.bench;

import java.util.Locale;

/**
 * One sample of a soak run.
 *
 * @param elapsedSeconds      since the replay started
 * @param rssMb               resident set of the process (broker, services, edge agent and the bench itself)
 * @param heapUsedMb          Java heap in use now
 * @param heapAfterGcMb       Java heap in use after the latest collection
 * @param heapCommittedMb     Java heap committed (the collector grows it under load, up to -Xmx): part of the RSS
 * @param ndArrays            live DJL NDArrays in the process, -1 if unknown
 * @param eventsSent          events the replay had sent
 * @param examplesTrained     examples in the student's parameters
 * @param teacherLag          events not yet committed by the teacher's group, -1 if unknown
 * @param joinLag             events, logits and labels not yet committed by the student's join (Streams group)
 * @param trainerLag          joined examples not yet trained (the trainer has no group: its gauge)
 * @param publishedVersion    latest published student version, -1 if none
 * @param servingVersion      version the edge agent serves, -1 if none
 * @param freshnessP50Seconds median freshness of the events resolved since the previous sample, NaN if none
 * @param freshnessResolved   events resolved since the previous sample
 */
public record SoakSample(double elapsedSeconds, double rssMb, double heapUsedMb, double heapAfterGcMb,
        double heapCommittedMb, long ndArrays,
        long eventsSent, long examplesTrained, long teacherLag, long joinLag, long trainerLag, long publishedVersion,
        long servingVersion, double freshnessP50Seconds, int freshnessResolved) {

    /** Records waiting anywhere in the loop: teacher + join + trainer (unknown parts count as 0). */
    public long totalLag() {
        return Math.max(0, teacherLag) + Math.max(0, joinLag) + Math.max(0, trainerLag);
    }

    /** Resident memory outside the committed heap: native libraries and allocations, metaspace, threads. */
    public double rssOutsideHeapMb() {
        return rssMb - heapCommittedMb;
    }

    /** The line printed for this sample. */
    public String line() {
        return String.format(Locale.ROOT, "soak-sample t=%.0fs rss_mb=%.1f heap_mb=%.1f heap_after_gc_mb=%.1f"
                        + " heap_committed_mb=%.1f ndarrays=%d"
                        + " events=%d trained=%d lag_teacher=%d lag_join=%d lag_trainer=%d published=%s serving=%s"
                        + " freshness_p50_s=%s freshness_n=%d",
                elapsedSeconds, rssMb, heapUsedMb, heapAfterGcMb, heapCommittedMb, ndArrays, eventsSent, examplesTrained, teacherLag,
                joinLag, trainerLag, version(publishedVersion), version(servingVersion),
                Double.isNaN(freshnessP50Seconds) ? "-" : String.format(Locale.ROOT, "%.1f", freshnessP50Seconds),
                freshnessResolved);
    }

    private static String version(long v) {
        return v < 0 ? "none" : "v" + v;
    }
}
