package dev.distill.deploy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the {@code distill} CLI in the test's JVM and keeps what it printed. */
public record CliRun(int exitCode, String out, String err) {

    /** Captures standard output and standard error. */
    public static CliRun capture(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CliRun run = captureOut(args);
            return new CliRun(run.exitCode(), run.out(), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    /**
     * Runs with {@code distill.home} set to {@code home} and captures standard output only, so the services' logs
     * stay visible on standard error; the captured output is printed again afterwards for the test's log.
     */
    public static CliRun inHome(Path home, String... args) {
        System.setProperty("distill.home", home.toString());
        try {
            CliRun run = captureOut(args);
            System.out.print(run.out());
            return run;
        } finally {
            System.clearProperty("distill.home");
        }
    }

    private static CliRun captureOut(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = DistillMain.run(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), "");
        } finally {
            System.setOut(oldOut);
        }
    }
}
