package dev.distill.deploy.cli;

import dev.distill.student.StudentService;
import dev.distill.student.config.StudentServiceConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Runs the student service until Ctrl-C. */
@Command(name = "student", mixinStandardHelpOptions = true,
        description = {"Run the student service.",
                "Joins events, teacher logits and delayed labels (Kafka Streams, exactly once), trains the student",
                "online (test-then-train), writes checkpoints with the offsets it consumed, publishes signed",
                "checkpoints that pass the quality gate, and serves the edge update API, /metrics, /health and",
                "/ready on http.port. Ctrl-C writes a final checkpoint and stops."})
public final class StudentCommand implements Callable<Integer> {

    @Mixin ConfigOptions config;

    @Override
    public Integer call() throws InterruptedException {
        StudentServiceConfig cfg = config.load(StudentServiceConfig.definition(), StudentServiceConfig::new, Map.of(), Map.of());
        StudentService service = StudentService.start(cfg);
        System.out.printf("student %s running; update API, metrics and health on http://localhost:%d%n", cfg.modelName(),
                service.httpPort());
        return ServiceRun.untilStopped("student", service, service::awaitTermination, service::failure);
    }
}
