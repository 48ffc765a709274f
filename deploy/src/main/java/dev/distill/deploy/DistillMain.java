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
import org.apache.kafka.common.config.ConfigException;
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
        return new CommandLine(new DistillMain()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(DistillMain::configurationError).execute(args);
    }

    /**
     * A configuration error (a bad or unknown key, from a file, the environment or {@code -s}) is the user's to fix
     * and its message says how: print it alone and exit 2, as for a bad option, instead of a stack trace and 1.
     * A usage error found while running is reported as one found while parsing. Anything else keeps picocli's default
     * (stack trace, exit 1).
     */
    private static int configurationError(Exception e, CommandLine command, CommandLine.ParseResult parsed)
            throws Exception {
        if (e instanceof CommandLine.ParameterException bad) { // a bad combination of values found while running
            return bad.getCommandLine().getParameterExceptionHandler().handleParseException(bad,
                    parsed.originalArgs().toArray(String[]::new));
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException config) {
                command.getErr().println("distill " + command.getCommandName() + ": " + config.getMessage());
                return 2;
            }
        }
        throw e;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }
}
