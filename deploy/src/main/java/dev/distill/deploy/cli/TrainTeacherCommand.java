package dev.distill.deploy.cli;

import dev.distill.common.data.DatasetException;
import dev.distill.teacher.training.TrainTeacherMain;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Trains the reference teacher; its options belong to {@link TrainTeacherMain}, which also prints the help. */
@Command(name = "train-teacher",
        description = {"Train the reference teacher on Fashion-MNIST and save it for the local stack.",
                "A CNN trained with drift augmentation; shows progress, reports clean and drifted test accuracy.",
                "Options: distill train-teacher --help."})
public final class TrainTeacherCommand implements Callable<Integer> {

    @Unmatched List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        try {
            TrainTeacherMain.run(args.toArray(String[]::new), System.out);
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("distill train-teacher: " + e.getMessage() + " (see distill train-teacher --help)");
            return 2;
        } catch (DatasetException | UncheckedIOException e) {
            System.err.println("distill train-teacher: " + e.getMessage());
            return 1;
        }
    }
}
