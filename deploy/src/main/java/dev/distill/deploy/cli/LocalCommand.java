package dev.distill.deploy.cli;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.Split;
import dev.distill.common.topic.DistillTopics;
import dev.distill.deploy.drift.DriftRun;
import dev.distill.deploy.local.LocalStack;
import dev.distill.deploy.local.TeacherModelCache;
import dev.distill.deploy.replay.ReplayDefaults;
import dev.distill.deploy.replay.ReplaySettings;
import dev.distill.deploy.replay.ReplayStats;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.teacher.config.TeacherConfig;
import dev.distill.teacher.training.TeacherArtifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The whole system on one machine: embedded broker, topics, services, and a live Fashion-MNIST replay. */
@Command(name = "local", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the whole system on this machine (no Docker).",
                "Starts an embedded Kafka broker (KRaft), creates the topics, trains the reference teacher on first",
                "use (cached afterwards), starts the teacher service, the student service and an edge agent, and",
                "replays Fashion-MNIST as a live event stream with delayed labels. Prints progress while it runs",
                "and a summary at the end or on Ctrl-C. -s key=value overrides any service setting.",
                "--scenario drift: the student starts from an offline-trained checkpoint (trained on first use,",
                "cached), the events drift part-way through (the teacher is robust to it), and the run ends with a",
                "table of test accuracy on the drifted split: teacher, frozen student, online-distilled student as",
                "the edge serves it, and a labels-only student, then a 'drift-summary ...' line."})
public final class LocalCommand implements Callable<Integer> {

    @Mixin ReplayOptions replay;
    @Mixin ConfigOptions config;
    @Spec CommandSpec spec;

    @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "steady",
            description = "steady: the stream as recorded; drift: see above (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--drift", paramLabel = "KIND", defaultValue = DriftScenario.DEFAULT_NAME,
            description = "How the drift scenario transforms the events and the test split: rotate, contrast, occlude "
                    + "or rotate-contrast-occlude (default: ${DEFAULT-VALUE}).")
    String driftKind;

    @Option(names = "--drift-at", paramLabel = "F", defaultValue = "0.5",
            description = "Where the drift starts, as a fraction of the events sent, 0..1 (default: ${DEFAULT-VALUE}).")
    double driftAt;

    @Option(names = "--start-epochs", paramLabel = "N", defaultValue = "" + DriftRun.DEFAULT_START_EPOCHS,
            description = "Epochs of the drift scenario's offline starting student, trained on first use "
                    + "(default: ${DEFAULT-VALUE}).")
    int startEpochs;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "Port of the embedded broker; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--kafka-dir", paramLabel = "DIR",
            description = "Keep the broker's data (and the services' state beside it) across runs (default: temporary, removed at the end).")
    Path kafkaDir;

    @Option(names = "--teacher-epochs", paramLabel = "N", defaultValue = "3",
            description = "Epochs when the teacher is trained on first use (default: ${DEFAULT-VALUE}).")
    int teacherEpochs;

    @Option(names = "--teacher-architecture", paramLabel = "SPEC", defaultValue = "cnn:small",
            description = "Architecture when the teacher is trained on first use (default: ${DEFAULT-VALUE}).")
    String teacherArchitecture;

    @Option(names = "--replay-only", description = "Start no services: broker, topics and the replay only.")
    boolean replayOnly;

    @Option(names = "--drain", paramLabel = "TIME", converter = DurationConverter.class,
            description = "After the last label, how long to let the services catch up before the summary (default: "
                    + "20s; drift scenario: at most 10m, ending once the student has trained on every example and the "
                    + "edge serves a version holding every example).")
    java.time.Duration drain;

    // Replays gives the summary 60 s after a Ctrl-C; the labels-only student and the scoring need about half of it.
    private static final java.time.Duration CTRL_C_DRAIN = java.time.Duration.ofSeconds(15);
    private volatile boolean stopRequested;
    private volatile long stopRequestedNanos;

    @Override
    public Integer call() throws Exception {
        boolean drift = switch (scenario.strip().toLowerCase(Locale.ROOT)) {
            case "steady" -> false;
            case "drift" -> true;
            default -> throw new ParameterException(spec.commandLine(), "--scenario: unknown scenario '" + scenario
                    + "'; known: steady, drift");
        };
        DriftScenario driftScenario;
        try {
            driftScenario = DriftScenario.parse(driftKind, DriftScenario.DEFAULT_SEED);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--drift: " + e.getMessage());
        }
        ReplaySettings settings;
        try {
            settings = drift ? replay.settings(ReplayDefaults.DRIFT, driftScenario, driftAt) : replay.settings();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path home = Path.of(System.getProperty("distill.home", "var"));
        Path teacherDir = home.resolve("models/teacher");
        TeacherArtifact teacherModel = replayOnly ? null : TeacherModelCache.ensure(teacherDir, teacherArchitecture, teacherEpochs,
                System.out);

        System.out.println("distill local: starting an embedded Kafka broker (KRaft)...");
        long start = System.nanoTime();
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().optPort(port);
        if (kafkaDir != null) {
            builder.optLogDir(kafkaDir);
        }
        Path runDir = kafkaDir != null ? kafkaDir.resolveSibling(kafkaDir.getFileName() + "-services")
                : Files.createTempDirectory("distill-local-");
        try (EmbeddedKafkaBroker broker = builder.build().start()) {
            System.out.printf("broker ready at %s in %d ms%n", broker.bootstrapServers(), (System.nanoTime() - start) / 1_000_000);
            DistillConfig cfg = config.loadForServices(LocalStack.teacherDefaults(teacherDir, teacherModel),
                    Map.of(DistillConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers()),
                    List.of(TeacherConfig.definition(), StudentServiceConfig.definition()));
            Topics.provision(cfg, DistillTopics.from(cfg), System.out);
            if (replayOnly) {
                ReplayConsole console = ReplayConsole.replayOnly(System.out);
                return exitCode(Replays.run(cfg, settings, console, console::summary));
            }
            DriftRun driftRun = null;
            if (drift) {
                driftRun = DriftRun.prepare(home, cfg.datasetDir(), cfg.getString(StudentServiceConfig.ARCHITECTURE),
                        startEpochs, driftScenario, teacherModel, System.out);
            }
            LocalStack stack = LocalStack.start(config, broker.bootstrapServers(), runDir, teacherDir, teacherModel,
                    driftRun == null ? Map.of() : driftRun.studentDefaults(), System.out);
            try {
                // the split sizes bound the run when neither --events nor --duration does
                int firstDrifted = settings.firstDriftedIndex(settings.split() == Split.TRAIN ? 60_000 : 10_000);
                if (drift) {
                    System.out.printf("drift scenario: events from #%,d on are %s; the student starts from the "
                            + "offline student%n", firstDrifted, driftScenario);
                }
                ReplayConsole console = new ReplayConsole(System.out,
                        () -> (stack.teacherScored() > firstDrifted ? "[drifted] " : "") + stack.status(),
                        stack::summary);
                DriftRun report = driftRun;
                Thread stopFlag = stopFlag();
                Runtime.getRuntime().addShutdownHook(stopFlag);
                try {
                    // the summary and the services' shutdown run inside the replay's Ctrl-C window (see Replays)
                    return exitCode(Replays.run(cfg, settings, console, stats -> {
                        if (report == null) {
                            drain(console);
                        } else {
                            drainUntilTheEdgeServesEverything(console, stack, stats);
                        }
                        console.summary(stats);
                        long edgeVersion = stack.edgeServingVersion();
                        StudentServiceConfig studentConfig = stack.studentService().config();
                        stack.close(); // the trainer must stop first: one gradient collector per JVM
                        if (report != null) {
                            report.report(studentConfig, edgeVersion, cfg.datasetDir(), System.out).print(System.out);
                        }
                    }));
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(stopFlag);
                    } catch (IllegalStateException shuttingDown) {
                        // Ctrl-C: the flag has done its job
                    }
                }
            } finally {
                stack.close(); // idempotent: a no-op after a normal finish
            }
        } finally {
            if (kafkaDir == null) {
                deleteQuietly(runDir);
            }
        }
    }

    /**
     * The drift table is about the student after the whole stream: waits (at most {@code --drain}, default 10 min)
     * until the trainer has trained one soft example per event and one labelled example per label, then until a
     * version holding all of them reaches the edge agent.
     */
    private void drainUntilTheEdgeServesEverything(ReplayConsole console, LocalStack stack, ReplayStats stats) {
        java.time.Duration limit = drain != null ? drain : java.time.Duration.ofMinutes(10);
        long expected = stats.eventsSent() + stats.labelsSent();
        System.out.printf("replay done; waiting (at most %d s) until the student has trained on all %,d examples and "
                + "the edge serves a version holding them all...%n", limit.toSeconds(), expected);
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (stopRequested && System.nanoTime() - stopRequestedNanos > CTRL_C_DRAIN.toNanos()) {
                System.out.println("stopped (Ctrl-C): the drift table shows where the student and the edge got to");
                return;
            }
            var trainer = stack.studentService().trainer();
            long published = trainer.lastPublishedVersion();
            // read after the version: when it covers every example, so does that version (or a newer one)
            if (trainer.examplesInLastPublished() >= expected && stack.edgeServingVersion() == published) {
                System.out.printf("caught up: the edge serves v%d, which holds every example%n", published);
                return;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            console.draining(Math.max(0, (end - System.nanoTime()) / 1_000_000_000));
        }
        System.out.println("drain time is up before the student and the edge caught up; the drift table shows where "
                + "they got to");
    }

    /** Marks a Ctrl-C, so that the drift drain leaves time for the table within the replay's shutdown window. */
    private Thread stopFlag() {
        return new Thread(() -> {
            stopRequestedNanos = System.nanoTime();
            stopRequested = true;
        }, "distill-local-stop-flag");
    }

    /** Gives the teacher and the student time to process what the replay sent, showing progress meanwhile. */
    private void drain(ReplayConsole console) {
        java.time.Duration drain = this.drain != null ? this.drain : java.time.Duration.ofSeconds(20);
        System.out.printf("replay done; letting the services catch up for up to %d s...%n", drain.toSeconds());
        long end = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < end) {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            console.draining(Math.max(0, (end - System.nanoTime()) / 1_000_000_000));
        }
    }

    private static int exitCode(ReplayStats stats) {
        return stats.sendErrors() == 0 ? 0 : 1;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("distill local: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
