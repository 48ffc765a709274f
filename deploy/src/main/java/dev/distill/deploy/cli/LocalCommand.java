package dev.distill.deploy.cli;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.topic.DistillTopics;
import dev.distill.deploy.local.LocalStack;
import dev.distill.deploy.local.TeacherModelCache;
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
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The whole system on one machine: embedded broker, topics, services, and a live Fashion-MNIST replay. */
@Command(name = "local", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the whole system on this machine (no Docker).",
                "Starts an embedded Kafka broker (KRaft), creates the topics, trains the reference teacher on first",
                "use (cached afterwards), starts the teacher service, the student service and an edge agent, and",
                "replays Fashion-MNIST as a live event stream with delayed labels. Prints progress while it runs",
                "and a summary at the end or on Ctrl-C. -s key=value overrides any service setting."})
public final class LocalCommand implements Callable<Integer> {

    @Mixin ReplayOptions replay;
    @Mixin ConfigOptions config;

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

    @Option(names = "--drain", paramLabel = "TIME", defaultValue = "20s", converter = DurationConverter.class,
            description = "After the last label, how long to let the services catch up before the summary (default: ${DEFAULT-VALUE}).")
    java.time.Duration drain;

    @Override
    public Integer call() throws Exception {
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
                return exitCode(Replays.run(cfg, replay.settings(), console, console::summary));
            }
            LocalStack stack = LocalStack.start(config, broker.bootstrapServers(), runDir, teacherDir, teacherModel,
                    System.out);
            try {
                ReplayConsole console = new ReplayConsole(System.out, stack::status, stack::summary);
                // the summary and the services' shutdown run inside the replay's Ctrl-C window (see Replays)
                return exitCode(Replays.run(cfg, replay.settings(), console, stats -> {
                    drain(console);
                    console.summary(stats);
                    stack.close();
                }));
            } finally {
                stack.close(); // idempotent: a no-op after a normal finish
            }
        } finally {
            if (kafkaDir == null) {
                deleteQuietly(runDir);
            }
        }
    }

    /** Gives the teacher and the student time to process what the replay sent, showing progress meanwhile. */
    private void drain(ReplayConsole console) {
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
