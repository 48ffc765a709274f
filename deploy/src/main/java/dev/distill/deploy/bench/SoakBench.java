package dev.distill.deploy.bench;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.metrics.MetricNames;
import dev.distill.common.serde.Encoding;
import dev.distill.deploy.local.LocalStack;
import dev.distill.deploy.replay.FashionMnistReplay;
import dev.distill.deploy.replay.ReplaySettings;
import dev.distill.deploy.replay.ReplayStats;
import dev.distill.edge.EdgeAgent;
import dev.distill.student.StudentService;
import dev.distill.student.pipeline.TrainerLoop;
import io.micrometer.core.instrument.Gauge;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The soak benchmark: the local stack (teacher, student, edge agent on the embedded broker) under a steady
 * Fashion-MNIST stream for a long time, sampled at a fixed interval for resident memory, heap, live NDArrays,
 * consumer lag and checkpoint freshness. Prints one {@code soak-sample} line per sample, the trend after the
 * warm-up, and ends with one {@code soak-bench key=value ...} line. Its point is the slope, not the level: a
 * leak (an NDArray outside a closed scope, an unbounded map) shows as memory or arrays rising minute after
 * minute, a service that falls behind as lag rising.
 */
public final class SoakBench {

    /** How often the edge agent's version is checked for freshness: its resolution. */
    private static final long WATCH_MILLIS = 200;
    /** Freshness samples per second of stream (every n-th event is followed). */
    private static final double FRESHNESS_SAMPLES_PER_SECOND = 5;

    /** What a soak run measured. */
    public record Result(List<SoakSample> samples, String trend, String line, boolean rssFlat) {
        public Result {
            samples = List.copyOf(samples);
        }
    }

    private SoakBench() {}

    /**
     * Replays the training split at the configured rate (starting over when it is exhausted) into the running
     * {@code stack} for {@code settings.duration()}, sampling every {@code settings.sampleEvery()}.
     */
    public static Result run(SoakSettings settings, DistillConfig config, LocalStack stack, PrintStream out)
            throws InterruptedException {
        Clock clock = Clock.systemUTC();
        StudentService student = stack.studentService();
        TrainerLoop trainer = student.trainer();
        EdgeAgent edge = stack.edgeAgent();
        LabelledImages images = FashionMnist.load(config.datasetDir(), Split.TRAIN);
        FreshnessTracker freshness = new FreshnessTracker(trainer::newestEventTrainedIn);
        int everyNth = (int) Math.max(1, Math.round(settings.eventsPerSecond() / FRESHNESS_SAMPLES_PER_SECOND));

        Map<String, Object> admin = new HashMap<>(config.kafkaClientProperties());
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        String teacherGroup = stack.teacherService().config().groupId();
        String joinGroup = student.config().applicationId();
        String events = config.getString(DistillConfig.TOPIC_EVENTS);
        List<String> joinInputs = List.of(events, student.config().getString(DistillConfig.TOPIC_TEACHER_LOGITS),
                student.config().getString(DistillConfig.TOPIC_LABELS));

        out.printf(Locale.ROOT, "soak: %.0f events/s for %d s (training split of %,d images, looped),"
                        + " a sample every %d s,"
                        + " warm-up %d s; labels on %.0f %% of events %d ms later%n", settings.eventsPerSecond(),
                settings.duration().toSeconds(), images.count(), settings.sampleEvery().toSeconds(),
                settings.warmup().toSeconds(), settings.labelFraction() * 100, settings.labelDelay().toMillis());

        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soak-edge-watch");
            t.setDaemon(true);
            return t;
        });
        List<SoakSample> samples = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FashionMnistReplay.producerProperties(config, "distill-soak-replay"),
                    new ByteArraySerializer(), new ByteArraySerializer());
             ConsumerLag lag = new ConsumerLag(admin)) {
            ReplaySettings stream = new ReplaySettings(Split.TRAIN, settings.eventsPerSecond(), 0, settings.duration(),
                    settings.labelDelay(), settings.labelFraction(), Encoding.BINARY,
                    "soak" + Long.toString(clock.millis(), 36), 1);
            long[] eventCount = {0};
            FashionMnistReplay replay = new FashionMnistReplay(images, stream, producer, events,
                    config.getString(DistillConfig.TOPIC_LABELS), clock).endless().onEvent(timestamp -> {
                        if (eventCount[0]++ % everyNth == 0) { // follow every n-th event for freshness
                            freshness.produced(timestamp);
                        }
                    });
            watcher.scheduleWithFixedDelay(() -> freshness.observe(edge.isServing(), edge.servingVersion(),
                    clock.millis()), 0, WATCH_MILLIS, TimeUnit.MILLISECONDS);

            AtomicReference<Throwable> replayFailure = new AtomicReference<>();
            Thread sender = new Thread(() -> {
                try {
                    replay.run(stats -> { });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException | Error e) {
                    replayFailure.set(e);
                }
            }, "soak-replay");
            long startMillis = clock.millis();
            long startNanos = System.nanoTime();
            sender.start();
            try {
                long every = settings.sampleEvery().toNanos();
                long count = settings.duration().toNanos() / every;
                for (long k = 0; k <= count; k++) {
                    sleepUntil(startNanos + k * every);
                    SoakSample s = sample((System.nanoTime() - startNanos) / 1e9, replay, trainer, student, edge, lag,
                            teacherGroup, List.of(events), joinGroup, joinInputs, freshness);
                    samples.add(s);
                    out.println(s.line());
                }
            } finally {
                replay.stop();
                sender.join(30_000);
                watcher.shutdownNow();
            }
            if (replayFailure.get() != null) {
                throw new IllegalStateException("the soak replay failed: " + replayFailure.get(), replayFailure.get());
            }
            long warmupEndMillis = startMillis + settings.warmup().toMillis();
            List<FreshnessTracker.Resolved> afterWarmup = freshness.resolvedSince(warmupEndMillis);
            Trend trend = Trend.of(samples, settings);
            out.print(trend.text());
            double elapsedS = (System.nanoTime() - startNanos) / 1e9;
            ReplayStats sent = replay.stats();
            String line = String.format(Locale.ROOT, "soak-bench minutes=%.1f rss_start_mb=%.1f rss_end_mb=%.1f"
                            + " max_lag=%d"
                            + " freshness_p50_s=%s freshness_p99_s=%s rss_warm_mb=%.1f rss_max_after_warmup_mb=%.1f"
                            + " rss_growth_after_warmup_pct=%.1f rss_flat=%b"
                            + " rss_outside_heap_growth_after_warmup_pct=%.1f heap_committed_start_mb=%.1f"
                            + " heap_committed_end_mb=%.1f heap_after_gc_start_mb=%.1f"
                            + " heap_after_gc_end_mb=%.1f ndarrays_start=%d ndarrays_end=%d events=%d rate_eps=%.1f"
                            + " trained=%d versions_served=%d freshness_n=%d freshness_unresolved=%d send_errors=%d"
                            + " samples=%d",
                    settings.duration().toSeconds() / 60.0, samples.get(0).rssMb(), last(samples).rssMb(),
                    samples.stream().mapToLong(SoakSample::totalLag).max().orElse(0),
                    seconds(FreshnessTracker.percentileSeconds(afterWarmup, 50)),
                    seconds(FreshnessTracker.percentileSeconds(afterWarmup, 99)), trend.rssWarmMb(),
                    trend.rssMaxAfterWarmupMb(), trend.rssGrowthPct(), trend.rssFlat(), trend.outsideHeapGrowthPct(),
                    samples.get(0).heapCommittedMb(), last(samples).heapCommittedMb(), samples.get(0).heapAfterGcMb(),
                    last(samples).heapAfterGcMb(), samples.get(0).ndArrays(), last(samples).ndArrays(),
                    sent.eventsSent(), sent.eventsSent() / Math.max(1e-9, elapsedS), trainer.examplesTrained(),
                    freshness.versionsServed(), afterWarmup.size(), freshness.unresolved(), sent.sendErrors(),
                    samples.size());
            out.println(line);
            return new Result(samples, trend.text(), line, trend.rssFlat());
        }
    }

    private static SoakSample sample(double elapsedSeconds, FashionMnistReplay replay, TrainerLoop trainer,
            StudentService student, EdgeAgent edge, ConsumerLag lag, String teacherGroup, List<String> teacherInputs,
            String joinGroup, List<String> joinInputs, FreshnessTracker freshness) {
        List<FreshnessTracker.Resolved> fresh = freshness.drainNew();
        Gauge trainerLag = student.registry().find(MetricNames.STUDENT_EXAMPLES_LAG.meterName()).gauge();
        return new SoakSample(elapsedSeconds, ProcessMemory.rssMb(), ProcessMemory.heapUsedMb(),
                ProcessMemory.heapAfterGcMb(), ProcessMemory.heapCommittedMb(), NativeArrays.count(),
                replay.stats().eventsSent(), trainer.examplesTrained(),
                lag.lag(teacherGroup, teacherInputs), lag.lag(joinGroup, joinInputs),
                trainerLag == null ? -1 : (long) trainerLag.value(), trainer.lastPublishedVersion(),
                edge.isServing() ? edge.servingVersion() : -1, FreshnessTracker.percentileSeconds(fresh, 50),
                fresh.size());
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "nan" : String.format(Locale.ROOT, "%.1f", s);
    }

    private static SoakSample last(List<SoakSample> samples) {
        return samples.get(samples.size() - 1);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** The samples after the warm-up: least-squares slopes and the resident-memory flatness check. */
    record Trend(String text, double rssWarmMb, double rssMaxAfterWarmupMb, double rssGrowthPct, boolean rssFlat,
            double outsideHeapGrowthPct) {

        static Trend of(List<SoakSample> samples, SoakSettings settings) {
            double warmupS = settings.warmup().toSeconds();
            List<SoakSample> after = samples.stream().filter(s -> s.elapsedSeconds() >= warmupS - 0.5).toList();
            if (after.isEmpty()) {
                after = List.of(samples.get(samples.size() - 1));
            }
            double warm = after.get(0).rssMb();
            double max = after.stream().mapToDouble(SoakSample::rssMb).max().orElse(warm);
            double growth = warm > 0 ? (max - warm) / warm * 100 : Double.NaN;
            boolean flat = growth <= settings.maxRssGrowthPct();
            // the same check on the resident memory outside the committed heap: separates the collector growing the
            // heap toward -Xmx (harmless, bounded) from native memory growing (a leak in libtorch, RocksDB, buffers)
            double warmOutside = after.get(0).rssOutsideHeapMb();
            double maxOutside = after.stream().mapToDouble(SoakSample::rssOutsideHeapMb).max().orElse(warmOutside);
            double outsideGrowth = warmOutside > 0 ? (maxOutside - warmOutside) / warmOutside * 100 : Double.NaN;
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "soak trend after warm-up (t >= %.0f s, %d samples;"
                    + " least-squares slope per minute):%n", warmupS, after.size()));
            row(sb, after, "rss_mb", SoakSample::rssMb);
            row(sb, after, "heap_mb", SoakSample::heapUsedMb);
            row(sb, after, "heap_after_gc_mb", SoakSample::heapAfterGcMb);
            row(sb, after, "heap_committed_mb", SoakSample::heapCommittedMb);
            row(sb, after, "rss_outside_heap", SoakSample::rssOutsideHeapMb);
            row(sb, after, "ndarrays", s -> s.ndArrays());
            row(sb, after, "lag_total", s -> s.totalLag());
            row(sb, after, "trained", s -> s.examplesTrained());
            sb.append(String.format(Locale.ROOT, "  resident memory: %.1f MB at the end of warm-up, at most %.1f MB"
                            + " after it: %+.1f %% (flat means within %.0f %%): %s%n", warm, max, growth,
                    settings.maxRssGrowthPct(), flat ? "FLAT" : "GROWING"));
            sb.append(String.format(Locale.ROOT, "  outside the committed heap: %.1f MB at the end of warm-up, at most"
                    + " %.1f MB after it: %+.1f %%%n", warmOutside, maxOutside, outsideGrowth));
            return new Trend(sb.toString(), warm, max, growth, flat, outsideGrowth);
        }

        private static void row(StringBuilder sb, List<SoakSample> after, String name, ToDoubleFunction<SoakSample> f) {
            double first = f.applyAsDouble(after.get(0));
            double lastValue = f.applyAsDouble(after.get(after.size() - 1));
            sb.append(String.format(Locale.ROOT, "  %-17s %12.1f -> %12.1f   slope %+10.2f/min%n", name, first,
                    lastValue, slopePerMinute(after, f)));
        }

        /** Least-squares slope of {@code f} against elapsed time, per minute; 0 with fewer than two samples. */
        static double slopePerMinute(List<SoakSample> samples, ToDoubleFunction<SoakSample> f) {
            int n = samples.size();
            if (n < 2) {
                return 0;
            }
            double mx = 0;
            double my = 0;
            for (SoakSample s : samples) {
                mx += s.elapsedSeconds() / 60;
                my += f.applyAsDouble(s);
            }
            mx /= n;
            my /= n;
            double sxy = 0;
            double sxx = 0;
            for (SoakSample s : samples) {
                double dx = s.elapsedSeconds() / 60 - mx;
                sxy += dx * (f.applyAsDouble(s) - my);
                sxx += dx * dx;
            }
            return sxx == 0 ? 0 : sxy / sxx;
        }
    }
}
