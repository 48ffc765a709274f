package dev.distill.deploy.cli;

import dev.distill.teacher.TeacherService;
import dev.distill.teacher.config.TeacherConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Runs one teacher-service replica until Ctrl-C. */
@Command(name = "teacher", mixinStandardHelpOptions = true,
        description = {"Run the teacher service.",
                "Consumes events, scores them in micro-batches with the teacher model (TorchScript .pt or DJL",
                "parameters + teacher.architecture) and publishes one logits record per event, exactly once.",
                "Required: -s teacher.model=FILE. Replicas with the same teacher.id share the work.",
                "Serves /metrics, /health and /ready on http.port. Ctrl-C finishes the batch in hand and stops."})
public final class TeacherCommand implements Callable<Integer> {

    @Mixin ConfigOptions config;

    @Override
    public Integer call() throws InterruptedException {
        TeacherConfig cfg = config.load(TeacherConfig.definition(), TeacherConfig::new, Map.of(), Map.of());
        TeacherService service = TeacherService.start(cfg);
        System.out.printf("teacher %s running model %s; http port %d%n", cfg.teacherId(), service.modelVersion(),
                service.httpPort());
        return ServiceRun.untilStopped("teacher", service, service::awaitTermination, service::failure);
    }
}
