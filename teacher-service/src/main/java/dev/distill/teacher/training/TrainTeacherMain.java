package dev.distill.teacher.training;

import dev.distill.common.data.DatasetException;
import dev.distill.common.data.DriftScenario;
import dev.distill.common.model.Architectures;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

/** {@code ./distill train-teacher}: trains a teacher and writes it to the output directory. */
public final class TrainTeacherMain {

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: distill train-teacher [options]",
            "  --architecture SPEC      " + Architectures.KNOWN_FORMS + " (default cnn:small)",
            "  --epochs N               passes over the training set (default 3)",
            "  --batch-size N           examples per optimiser step (default 64)",
            "  --learning-rate X        Adam learning rate (default 0.001)",
            "  --max-examples N         train on the first N images only, 0 = all (default 0)",
            "  --seed N                 initialisation, shuffling and augmentation seed (default 1)",
            "  --augment-fraction X     share of each batch drifted for augmentation, 0..1 (default 0.5)",
            "  --drift NAME             " + DriftScenario.knownNames() + " (default " + DriftScenario.DEFAULT_NAME + ")",
            "  --drift-seed N           seed of the drifted test split (default " + DriftScenario.DEFAULT_SEED + ")",
            "  --dataset-dir DIR        Fashion-MNIST idx files (default $DISTILL_DATASET_DIR or /usr/share/datasets/fashion-mnist)",
            "  --output DIR             where teacher.params and teacher.json go (default ${distill.home}/models/teacher)",
            "  --progress-seconds N     seconds between progress lines (default 5)",
            "  --help                   this text");

    private TrainTeacherMain() {}

    public static void main(String[] args) {
        try {
            run(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("train-teacher: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        } catch (DatasetException | UncheckedIOException e) {
            System.err.println("train-teacher: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Parses {@code args}, trains, prints progress and the summary to {@code out}; returns the result (null for --help). */
    public static TeacherTrainingResult run(String[] args, PrintStream out) {
        TeacherTrainingOptions options = parse(args, TeacherTrainingOptions.defaults());
        if (options == null) {
            out.println(USAGE);
            return null;
        }
        // Small models train fastest with one intra-op thread (see notes/djl.md); must be set before the engine loads.
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", "1");
        }
        out.printf(Locale.ROOT, "training %s for %d epoch(s), batch %d, lr %s, augment %.2f (%s), data %s -> %s%n",
                options.architecture(), options.epochs(), options.batchSize(), options.learningRate(),
                options.augmentFraction(), options.driftScenario(), options.datasetDir(), options.outputDir());
        TeacherTrainer trainer = new TeacherTrainer(options, Clock.systemUTC(), p -> out.println(p.line()));
        TeacherTrainingResult result = trainer.run();
        out.printf(Locale.ROOT, "test accuracy: clean %.4f, drifted (%s) %.4f; saved to %s%n",
                result.cleanTestAccuracy(), options.driftScenario(), result.driftedTestAccuracy(), result.artifactDir());
        out.println(result.summaryLine());
        return result;
    }

    /** Convenience for callers that print to standard output. */
    public static TeacherTrainingResult run(String[] args) {
        return run(args, System.out);
    }

    /** Applies {@code args} to {@code base}; null when help was asked for. */
    static TeacherTrainingOptions parse(String[] args, TeacherTrainingOptions base) {
        TeacherTrainingOptions o = base;
        String driftName = base.driftScenario();
        long driftSeed = base.driftSeed();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                return null;
            }
            String value;
            int eq = flag.indexOf('=');
            if (eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + flag + " needs a value");
                }
                value = args[++i];
            }
            switch (flag) {
                case "--architecture" -> o = o.withArchitecture(value);
                case "--epochs" -> o = o.withEpochs(intValue(flag, value));
                case "--batch-size" -> o = o.withBatchSize(intValue(flag, value));
                case "--learning-rate" -> o = o.withLearningRate((float) doubleValue(flag, value));
                case "--max-examples" -> o = o.withMaxTrainExamples(intValue(flag, value));
                case "--seed" -> o = o.withSeed(intValue(flag, value));
                case "--augment-fraction" -> o = o.withAugmentFraction(doubleValue(flag, value));
                case "--drift" -> driftName = value;
                case "--drift-seed" -> driftSeed = longValue(flag, value);
                case "--dataset-dir" -> o = o.withDatasetDir(Path.of(value));
                case "--output" -> o = o.withOutputDir(Path.of(value));
                case "--progress-seconds" -> o = o.withProgressInterval(Duration.ofMillis(
                        Math.round(doubleValue(flag, value) * 1000)));
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return o.withDrift(driftName, driftSeed);
    }

    private static int intValue(String flag, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + flag + " expects an integer, got '" + value + "'");
        }
    }

    private static long longValue(String flag, String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + flag + " expects an integer, got '" + value + "'");
        }
    }

    private static double doubleValue(String flag, String value) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + flag + " expects a number, got '" + value + "'");
        }
    }
}
