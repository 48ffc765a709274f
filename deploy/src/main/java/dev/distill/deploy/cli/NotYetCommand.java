package dev.distill.deploy.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Subcommands whose service is not built yet. They are listed so that {@code --help} shows the whole
 * shape of the tool, and they fail with a clear message and exit code 3 instead of pretending to work.
 */
public abstract class NotYetCommand implements Callable<Integer> {

    static final int NOT_YET = 3;

    private final String what;
    private final String issue;

    NotYetCommand(String what, String issue) {
        this.what = what;
        this.issue = issue;
    }

    @Override
    public Integer call() {
        System.err.printf("distill: %s is not built yet (%s).%n", what, issue);
        return NOT_YET;
    }

    @Command(name = "student", mixinStandardHelpOptions = true,
            description = "(not built yet) Run the student service: join, online distillation, checkpoints, update API.")
    public static final class Student extends NotYetCommand {
        public Student() {
            super("the student service", "issue #4");
        }
    }

}
