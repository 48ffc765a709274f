package dev.distill.deploy.bench.pipeline;

import dev.distill.deploy.DistillMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One {@code ./distill <command>} in its own JVM, as production runs each service: this JVM's classpath, its JVM
 * flags (the launcher's {@code -Xmx}, DJL and {@code distill.home} properties, {@code DISTILL_JAVA_OPTS}) and its
 * environment (the launcher's thread and malloc settings). Output goes to a log file, which failure messages quote.
 */
final class ChildJvm implements AutoCloseable {

    /**
     * The launcher's environment defaults (see {@code ./distill}), applied where this JVM's environment lacks them
     * (e.g. under a test runner), so a child runs as it would from the launcher.
     */
    static final Map<String, String> LAUNCHER_ENV = Map.of(
            "OMP_NUM_THREADS", "1",
            "MALLOC_MMAP_THRESHOLD_", "33554432",
            "MALLOC_TRIM_THRESHOLD_", "17179869184",
            "MALLOC_ARENA_MAX", "2");

    private final String name;
    private final Path log;
    private final Process process;
    /** Ctrl-C on the bench skips its finally blocks; this hook keeps the child from outliving it. */
    private final Thread killOnExit;

    private ChildJvm(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
        this.killOnExit = new Thread(process::destroyForcibly, "distill-bench-stop-" + name);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Starts {@code DistillMain args...}; output to {@code logDir/name.log}. */
    static ChildJvm start(String name, List<String> args, Path logDir) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(inheritedJvmFlags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), DistillMain.class.getName()));
        command.addAll(args);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        LAUNCHER_ENV.forEach(builder.environment()::putIfAbsent);
        try {
            return new ChildJvm(name, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + name + " JVM: " + e.getMessage(), e);
        }
    }

    /**
     * This JVM's flags minus what must not be shared: debugger and agent attachments (a second JVM would fight for
     * the port) and writing a class-data archive (every child would overwrite the same file).
     */
    static List<String> inheritedJvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")
                    && !arg.startsWith("-XX:ArchiveClassesAtExit")) {
                flags.add(arg);
            }
        }
        return flags;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code once it ended. */
    Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Fails with the end of its log if it is no longer running. */
    void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the " + name + " (pid " + process.pid() + ") exited with "
                    + process.exitValue() + "; last lines of " + log + ":\n" + tail(30));
        }
    }

    /** Everything it printed so far. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    String tail(int lines) {
        String[] all = output().split("\n");
        return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
    }

    Path log() {
        return log;
    }

    /** SIGTERM (the service's shutdown hook stops it cleanly), then SIGKILL if it takes longer than {@code timeout}. */
    void stop(Duration timeout) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        try {
            stop(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: the child is being killed anyway
        }
    }

    /** {@code -s key=value} arguments for {@code settings}, in order. */
    static List<String> setArgs(Map<String, String> settings) {
        List<String> args = new ArrayList<>();
        new LinkedHashMap<>(settings).forEach((k, v) -> {
            args.add("-s");
            args.add(k + "=" + v);
        });
        return args;
    }
}
