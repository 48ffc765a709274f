package dev.distill.deploy.cli;

import dev.distill.deploy.replay.ReplayStats;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Replays Fashion-MNIST into an existing cluster. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replay Fashion-MNIST into a cluster as live events.",
                "Labels follow for a fraction of the events after a delay. Point it at a cluster with",
                "-s bootstrap.servers=HOST:PORT."})
public final class ReplayCommand implements Callable<Integer> {

    @Mixin ReplayOptions replay;
    @Mixin ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        ReplayConsole console = ReplayConsole.replayOnly(System.out);
        ReplayStats stats = Replays.run(config.load(), replay.settings(), console, console::summary);
        return stats.sendErrors() == 0 ? 0 : 1;
    }
}
