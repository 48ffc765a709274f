package dev.distill.teacher;

import dev.distill.common.config.ServiceArgs;
import dev.distill.common.config.DistillConfigException;
import dev.distill.teacher.config.TeacherConfig;
import java.time.Duration;
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

    /** Parses {@code --config FILE} and repeated {@code --set key=value} (see {@link ServiceArgs}). */
    public static TeacherConfig config(Map<String, String> env, String... args) {
        return ServiceArgs.parse("teacher", args).load(TeacherConfig.definition(), env, TeacherConfig::new);
    }
}
