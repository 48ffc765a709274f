package dev.distill.student;

import dev.distill.common.config.ServiceArgs;
import dev.distill.student.config.StudentServiceConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Entry point of the student-service (config errors, including {@code DistillConfigException}, exit with 2): {@code StudentMain [--config FILE] [--set key=value]...}. Keys, environment
 * variables and defaults are those of {@link StudentServiceConfig}.
 */
public final class StudentMain {

    private StudentMain() {}

    public static void main(String... args) throws InterruptedException {
        StudentService service;
        try {
            service = run(args);
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("student: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "student-shutdown"));
        while (!service.awaitTermination(Duration.ofDays(1))) {
            // keeps the JVM alive while the trainer runs
        }
        if (service.failure().isPresent()) {
            System.err.println("student: stopped on " + service.failure().get());
            System.exit(1);
        }
    }

    /** Loads the config (file, DISTILL_* environment, --set overrides) and starts a service; the caller closes it. */
    public static StudentService run(String... args) {
        return StudentService.start(config(System.getenv(), args));
    }

    /** Parses {@code --config FILE} and repeated {@code --set key=value} (see {@link ServiceArgs}). */
    public static StudentServiceConfig config(Map<String, String> env, String... args) {
        return ServiceArgs.parse("student", args).load(StudentServiceConfig.definition(), env, StudentServiceConfig::new);
    }
}
