package dev.distill.deploy.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's {@code chromium}, headless, one child process per call, with its profile in a temporary directory. */
final class HeadlessChromium {

    static final Path BINARY = Path.of(System.getProperty("distill.test.chromium", "/usr/bin/chromium"));

    private final Path profileDir;

    HeadlessChromium(Path workDir) throws IOException {
        assertThat(Files.isExecutable(BINARY))
                .as("Chromium is needed at " + BINARY + ": install Debian's 'chromium' package "
                        + "(apt-get install chromium; .ci/run does) or set -Ddistill.test.chromium=/path/to/it")
                .isTrue();
        this.profileDir = Files.createDirectories(workDir.resolve("chromium-profile"));
    }

    /** The DOM after the page's scripts ran for {@code virtualMillis} of virtual time (timers fast-forwarded). */
    String dumpDom(String url, int virtualMillis) throws IOException, InterruptedException {
        return run(List.of("--dump-dom", "--virtual-time-budget=" + virtualMillis, url), null);
    }

    /** Saves a PNG of the page after {@code virtualMillis} of virtual time. */
    void screenshot(String url, Path png, int width, int height, int virtualMillis)
            throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.deleteIfExists(png);
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", "--virtual-time-budget=" + virtualMillis, url), png);
        assertThat(png).as("chromium wrote the screenshot").exists();
    }

    private String run(List<String> args, Path expectedFile) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                "--user-data-dir=" + profileDir));
        command.addAll(args);
        Path out = Files.createTempFile(profileDir.getParent(), "chromium-", ".out");
        Path err = Files.createTempFile(profileDir.getParent(), "chromium-", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("chromium did not finish within 90 s: " + command + "\n"
                    + Files.readString(err));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 && (expectedFile == null || !Files.exists(expectedFile))) {
            throw new IllegalStateException("chromium exited with " + p.exitValue() + ": " + command + "\n"
                    + Files.readString(err));
        }
        return stdout;
    }
}
