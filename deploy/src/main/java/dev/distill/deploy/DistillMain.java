package dev.distill.deploy;

import dev.distill.deploy.cli.BenchCommand;
import dev.distill.deploy.cli.BrokerCommand;
import dev.distill.deploy.cli.EdgeCommand;
import dev.distill.deploy.cli.LocalCommand;
import dev.distill.deploy.cli.StudentCommand;
import dev.distill.deploy.cli.ReplayCommand;
import dev.distill.deploy.cli.TeacherCommand;
import dev.distill.deploy.cli.TrainTeacherCommand;
import dev.distill.deploy.cli.TopicsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./distill} entry point: one subcommand per way of running the system. */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        version = "distill 0.1.0-SNAPSHOT",
        description = "Streaming online knowledge distillation on Apache Kafka.",
        subcommands = {
            LocalCommand.class,
            BrokerCommand.class,
            TopicsCommand.class,
            ReplayCommand.class,
            TeacherCommand.class,
            StudentCommand.class,
            EdgeCommand.class,
            TrainTeacherCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class DistillMain implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the CLI and returns its exit code, so that tests can call it without exiting the JVM. */
    public static int run(String... args) {
        return new CommandLine(new DistillMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }
}
