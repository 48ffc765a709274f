package dev.distill.teacher.training;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.signing.Sha256;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a teacher network from the architecture registry on Fashion-MNIST with Adam and softmax cross-entropy,
 * augmenting a fraction of every batch with {@link DriftScenario} transforms so that the teacher stays accurate on
 * the drifted stream, then evaluates it on the clean and the drifted test split and writes a {@link TeacherArtifact}.
 *
 * <p>Uses the process-wide gradient collector of the PyTorch engine: run one trainer per JVM at a time.
 */
public final class TeacherTrainer {

    /** Augmentation draws one of these per drifted example, so the teacher also sees each drift on its own. */
    private static final DriftScenario.Kind[] AUGMENTATIONS = {
        DriftScenario.Kind.ROTATE, DriftScenario.Kind.CONTRAST, DriftScenario.Kind.OCCLUDE,
        DriftScenario.Kind.ROTATE_CONTRAST_OCCLUDE
    };

    private final TeacherTrainingOptions options;
    private final Clock clock;
    private final Consumer<TrainingProgress> progress;

    public TeacherTrainer(TeacherTrainingOptions options, Clock clock, Consumer<TrainingProgress> progress) {
        this.options = options;
        this.clock = clock;
        this.progress = progress;
    }

    /** Loads both splits from {@link TeacherTrainingOptions#datasetDir()} and {@link #train(LabelledImages, LabelledImages) trains}. */
    public TeacherTrainingResult run() {
        LabelledImages train = FashionMnist.load(options.datasetDir(), Split.TRAIN);
        LabelledImages test = FashionMnist.load(options.datasetDir(), Split.TEST);
        return train(train, test);
    }

    /** Trains on {@code train}, evaluates on {@code test} and its drifted copy, and writes the artifact. */
    public TeacherTrainingResult train(LabelledImages train, LabelledImages test) {
        Architecture architecture = Architectures.parse(options.architecture());
        int sampleSize = Math.toIntExact(architecture.sampleSize());
        if (train.imageSize() != sampleSize || test.imageSize() != sampleSize) {
            throw new IllegalArgumentException(architecture.spec() + " takes " + sampleSize + " values per sample, the"
                    + " data set has " + train.imageSize() + " (train) and " + test.imageSize() + " (test)");
        }
        int examples = options.maxTrainExamples() == 0 ? train.count()
                : Math.min(options.maxTrainExamples(), train.count());
        int batchSize = Math.min(options.batchSize(), examples);
        int batchesPerEpoch = (examples + batchSize - 1) / batchSize;

        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(options.learningRate())).build());
        try (Model model = Models.newModel(architecture, "teacher", options.seed());
                Trainer trainer = model.newTrainer(config)) {
            // Reused for every batch; each NDArray over them dies with its step's sub-manager before the next fill.
            ByteBuffer pixels = ByteBuffer.allocateDirect(batchSize * sampleSize * Float.BYTES)
                    .order(ByteOrder.nativeOrder());
            ByteBuffer labels = ByteBuffer.allocateDirect(batchSize * Long.BYTES).order(ByteOrder.nativeOrder());
            float[] image = new float[sampleSize];
            int[] order = new int[examples];
            for (int i = 0; i < examples; i++) {
                order[i] = i;
            }
            Random shuffler = new Random(options.seed());
            SplittableRandom augmenter = new SplittableRandom(options.seed() * 31L + 7);
            DriftScenario drift = options.drift();
            List<Double> epochSeconds = new ArrayList<>();
            long trainStart = clock.millis();
            long nextReport = trainStart + options.progressInterval().toMillis();
            long seen = 0;
            long totalExamples = (long) examples * options.epochs();
            double epochLoss = 0;
            double epochCorrect = 0;
            int epochSeen = 0;

            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                long epochStart = clock.millis();
                shuffle(order, shuffler);
                epochLoss = 0;
                epochCorrect = 0;
                epochSeen = 0;
                for (int b = 0; b < batchesPerEpoch; b++) {
                    int from = b * batchSize;
                    int size = Math.min(batchSize, examples - from);
                    fillBatch(train, order, from, size, image, pixels, labels, augmenter, drift);
                    float[] stepResult = step(model, trainer, architecture, pixels, labels, size);
                    epochLoss += stepResult[0] * size;
                    epochCorrect += stepResult[1];
                    epochSeen += size;
                    seen += size;
                    long now = clock.millis();
                    if (now >= nextReport) {
                        nextReport = now + options.progressInterval().toMillis();
                        double rate = seen * 1000.0 / Math.max(1, now - trainStart);
                        progress.accept(new TrainingProgress(epoch, options.epochs(), b + 1, batchesPerEpoch, rate,
                                epochLoss / epochSeen, epochCorrect / epochSeen,
                                Duration.ofSeconds((long) ((totalExamples - seen) / Math.max(rate, 1e-9)))));
                    }
                }
                epochSeconds.add((clock.millis() - epochStart) / 1000.0);
                progress.accept(new TrainingProgress(epoch, options.epochs(), batchesPerEpoch, batchesPerEpoch,
                        seen * 1000.0 / Math.max(1, clock.millis() - trainStart), epochLoss / epochSeen,
                        epochCorrect / epochSeen, Duration.ofSeconds(Math.round(
                                (options.epochs() - epoch) * epochSeconds.get(epochSeconds.size() - 1)))));
            }
            double trainSeconds = (clock.millis() - trainStart) / 1000.0;

            double clean = Models.accuracy(model, architecture, test);
            double drifted = Models.accuracy(model, architecture, drift.applyTo(test));
            byte[] parameters = Models.parameterBytes(model);
            String sha = Sha256.hex(parameters);
            TeacherMetadata metadata = new TeacherMetadata(architecture.spec(), options.epochs(), batchSize,
                    options.learningRate(), options.seed(), options.augmentFraction(), examples, clean, drifted,
                    drift.name(), drift.seed(), trainSeconds, parameters.length, sha, clock.instant().toString());
            new TeacherArtifact(metadata, parameters).write(options.outputDir());
            return new TeacherTrainingResult(architecture.spec(), options.epochs(), examples,
                    architecture.parameterCount(), epochLoss / epochSeen, epochCorrect / epochSeen, clean, drifted,
                    epochSeconds, seen / Math.max(1e-3, trainSeconds), sha, options.outputDir());
        }
    }

    /** One optimiser step on the batch in the buffers; returns {mean loss, number correct}. */
    private static float[] step(Model model, Trainer trainer, Architecture architecture, ByteBuffer pixels,
            ByteBuffer labels, int size) {
        // One sub-manager per step: everything the step creates (inputs, activations, loss) is freed with it.
        try (NDManager scope = model.getNDManager().newSubManager()) {
            pixels.position(0).limit(size * Math.toIntExact(architecture.sampleSize()) * Float.BYTES);
            labels.position(0).limit(size * Long.BYTES);
            NDArray x = scope.create(pixels, architecture.batchShape(size), DataType.FLOAT32);
            NDArray y = scope.create(labels, new Shape(size), DataType.INT64);
            NDArray logits;
            NDArray loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                logits = trainer.forward(new NDList(x)).singletonOrThrow();
                loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                collector.backward(loss);
            }
            trainer.step();
            float meanLoss = loss.getFloat();
            long correct = logits.argMax(1).eq(y).countNonzero().getLong();
            return new float[] {meanLoss, correct};
        }
    }

    private void fillBatch(LabelledImages train, int[] order, int from, int size, float[] image, ByteBuffer pixels,
            ByteBuffer labels, SplittableRandom augmenter, DriftScenario drift) {
        FloatBuffer px = pixels.clear().asFloatBuffer();
        LongBuffer lb = labels.clear().asLongBuffer();
        int side = train.rows();
        for (int i = 0; i < size; i++) {
            int index = order[from + i];
            train.copyImage(index, image, 0);
            if (options.augmentFraction() > 0 && augmenter.nextDouble() < options.augmentFraction()) {
                DriftScenario.Kind kind = drift.kind() == DriftScenario.Kind.NONE ? DriftScenario.Kind.NONE
                        : AUGMENTATIONS[augmenter.nextInt(AUGMENTATIONS.length)];
                px.put(new DriftScenario(kind, 0).apply(image, side, augmenter));
            } else {
                px.put(image);
            }
            lb.put(train.label(index));
        }
    }

    private static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
