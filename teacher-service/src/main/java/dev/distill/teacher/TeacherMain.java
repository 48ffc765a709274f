package dev.distill.teacher;

import dev.distill.common.config.ConfigLoader;
import dev.distill.common.config.DistillConfigException;
import dev.distill.teacher.config.TeacherConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point of the teacher-service: {@code TeacherMain [--config FILE] [--set key=value]...}. Keys, environment
 * variables and defaults are those of {@link TeacherConfig}.
 */
public final class TeacherMain {

    private TeacherMain() {}

    public static void main(String... args) throws InterruptedException {
        TeacherService service;
        try {
            service = run(args);
        } catch (IllegalArgumentException | DistillConfigException e) {
            System.err.println("teacher: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "teacher-shutdown"));
        while (!service.awaitTermination(Duration.ofDays(1))) {
            // keeps the JVM alive while the loop runs
        }
        if (service.failure().isPresent()) {
            System.err.println("teacher: stopped on " + service.failure().get());
            System.exit(1);
        }
    }

    /** Loads the config (file, DISTILL_* environment, --set overrides) and starts a service; the caller closes it. */
    public static TeacherService run(String... args) {
        return TeacherService.start(config(System.getenv(), args));
    }

    /** Parses {@code --config FILE} and repeated {@code --set key=value}. */
    public static TeacherConfig config(Map<String, String> env, String... args) {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--config") || a.equals("--set")) && i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; usage: " + usage());
            }
            switch (a) {
                case "--config" -> file = Path.of(args[++i]);
                case "--set" -> {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set " + kv + ": expected key=value; usage: " + usage());
                    }
                    overrides.put(kv.substring(0, eq).strip(), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'; usage: " + usage());
            }
        }
        return new ConfigLoader(TeacherConfig.definition(), env).load(file, overrides, TeacherConfig::new);
    }

    private static String usage() {
        return "teacher [--config FILE] [--set key=value]...";
    }
}
