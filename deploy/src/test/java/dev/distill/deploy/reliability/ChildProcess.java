package dev.distill.deploy.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service in its own JVM, started from this test JVM's classpath, so that a fault can be a real {@code kill -9}
 * of a process rather than a {@code close()} inside the test. Its output is appended to a log file that survives
 * restarts (each start writes a banner), which is where to look when a count is off.
 */
final class ChildProcess implements AutoCloseable {

    private final String name;
    private final String mainClass;
    private final List<String> args;
    private final String heap;
    private final Path log;
    private Process process;
    private int starts;

    ChildProcess(String name, Class<?> mainClass, List<String> args, String heap, Path logDir) {
        this.name = name;
        this.mainClass = mainClass.getName();
        this.args = List.copyOf(args);
        this.heap = heap;
        this.log = logDir.resolve(name + ".log");
    }

    /** Starts (or starts again) the JVM with the same arguments. */
    synchronized ChildProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("OMP_NUM_THREADS", "1");
        builder.environment().entrySet().removeIf(e -> e.getKey().startsWith("DISTILL_"));
        try {
            Files.writeString(log, "==== " + name + " start #" + (++starts) + " ====\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + mainClass + "): " + e.getMessage(), e);
        }
        return this;
    }

    /** SIGKILL: no shutdown hook, no final checkpoint, open transactions left dangling. */
    synchronized void kill9() throws InterruptedException {
        Process p = requireRunning("kill -9");
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " (pid " + p.pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM and wait: the service's shutdown hook runs (a clean stop). */
    synchronized void stop(Duration timeout) throws InterruptedException {
        Process p = requireRunning("stop");
        p.destroy();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(name + " did not stop within " + timeout + " of SIGTERM; killed it; see " + log);
        }
    }

    /**
     * What an orchestrator's restart policy does for a process that exited on its own (e.g. a start-up timeout on an
     * overloaded machine): start it again. Returns whether it had to; the caller decides when that is acceptable.
     */
    synchronized boolean restartIfExited() {
        if (process == null || process.isAlive()) {
            return false;
        }
        System.out.printf("fault-injection: %s exited with %d during start-up; restarting it (log %s)%n", name,
                process.exitValue(), log);
        start();
        return true;
    }

    /** Started at least once and not running now. */
    synchronized boolean hasExited() {
        return process != null && !process.isAlive();
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Fails the test with the log's location if the process died on its own. */
    synchronized void assertAlive() {
        if (process == null || !process.isAlive()) {
            throw new AssertionError(name + " is not running" + (process == null ? "" : " (exit "
                    + process.exitValue() + ")") + "; see " + log + ":\n" + tail(40));
        }
    }

    synchronized long pid() {
        return requireRunning("pid").pid();
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private Process requireRunning(String what) {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("cannot " + what + " " + name + ": it is not running; see " + log);
        }
        return process;
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
