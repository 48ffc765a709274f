package dev.distill.deploy.cli;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.topic.DistillTopics;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Creates the topics on an existing cluster. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = {"Create the system's topics on a cluster.",
                "Creates what is missing: events, logits and labels co-partitioned; checkpoints and edge status",
                "compacted. Point it at a cluster with -s bootstrap.servers=HOST:PORT."})
public final class TopicsCommand implements Callable<Integer> {

    @Mixin ConfigOptions config;

    @Override
    public Integer call() {
        DistillConfig cfg = config.load();
        Topics.provision(cfg, DistillTopics.from(cfg), System.out);
        return 0;
    }
}
