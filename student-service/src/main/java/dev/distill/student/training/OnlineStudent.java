package dev.distill.student.training;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Models;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The student being distilled online: owns its DJL model and optimiser, trains one batch per {@link #step(Batch)}
 * and scores examples with {@link #predict(float[], int)} (for test-then-train evaluation, score before stepping).
 *
 * <p>Memory discipline (notes/djl.md): every step runs in its own sub-manager of the model's manager, closed at the
 * end, with scalars created inside it; gradient wrappers are moved into it; inputs are zero-copy views of direct
 * buffers reused from step to step. Only one instance may train at a time per JVM (the PyTorch engine's gradient
 * collector is process-wide). Not thread-safe: call from one thread.
 */
public final class OnlineStudent implements AutoCloseable {

    private final StudentConfig config;
    private final Architecture architecture;
    private final Clock clock;
    private final Model model;
    private final NamedAdam adam;
    private final DistillationLoss loss;
    private final List<Pair<String, Parameter>> parameters;
    private final InputBuffers trainInputs = new InputBuffers();
    private final InputBuffers evalInputs = new InputBuffers();
    private long steps;

    private OnlineStudent(StudentConfig config, Clock clock, Model model) {
        this.config = config;
        this.architecture = config.parsedArchitecture();
        this.clock = clock;
        this.model = model;
        try {
            this.parameters = new ArrayList<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                if (p.getValue().requiresGradient()) {
                    p.getValue().getArray().setRequiresGradient(true);
                    parameters.add(p);
                }
            }
            this.adam = new NamedAdam(model.getNDManager(), config.learningRate());
            this.loss = new DistillationLoss(config.temperature(), config.alpha());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** A student with fresh parameters drawn from {@code config.seed()}. */
    public static OnlineStudent create(StudentConfig config, Clock clock) {
        return new OnlineStudent(config, clock, Models.newModel(config.parsedArchitecture(), "student", config.seed()));
    }

    /** A student starting from {@code parameters} (DJL parameter bytes, e.g. a published checkpoint) with fresh optimiser state. */
    public static OnlineStudent warmStart(StudentConfig config, Clock clock, byte[] parameters) {
        return new OnlineStudent(config, clock, Models.loadModel(config.parsedArchitecture(), "student", parameters));
    }

    /**
     * A student that continues exactly where {@code checkpoint} stopped: same parameters, optimiser state and step
     * count.
     *
     * @throws IllegalArgumentException if the checkpoint is for another architecture or optimiser configuration
     */
    public static OnlineStudent resume(StudentConfig config, Clock clock, StudentCheckpoint checkpoint) {
        Architecture arch = config.parsedArchitecture();
        if (!arch.spec().equals(checkpoint.architecture())) {
            throw new IllegalArgumentException("checkpoint at step " + checkpoint.step() + " is for "
                    + checkpoint.architecture() + " but the student is configured as " + arch.spec());
        }
        OnlineStudent student = new OnlineStudent(config, clock,
                Models.loadModel(arch, "student", checkpoint.parameters()));
        try {
            student.adam.loadState(checkpoint.optimizerState());
        } catch (RuntimeException e) {
            student.close();
            throw e;
        }
        student.steps = checkpoint.step();
        return student;
    }

    /**
     * One Adam step on {@code batch}; the returned loss is the one computed before the update.
     *
     * @throws NonFiniteLossException if the loss is NaN or infinite; nothing is updated and the step is not counted
     */
    public TrainStepResult step(Batch batch) {
        return step(batch, null);
    }

    /**
     * As {@link #step(Batch)}, and also writes into {@code topBefore} (one entry per row) the top-1 class of each row
     * under the parameters from before this step, taken from the training forward pass itself. Every architecture
     * of the registry is free of dropout and batch norm, so those logits are exactly what {@link #predict} would
     * give: a prequential test-then-train needs no second forward pass. {@code topBefore} is filled even when the
     * loss is not finite (and the step skipped).
     */
    public TrainStepResult step(Batch batch, int[] topBefore) {
        int n = batch.size();
        if (topBefore != null && topBefore.length < n) {
            throw new IllegalArgumentException("topBefore holds " + topBefore.length + " entries for a batch of " + n);
        }
        int classes = architecture.numClasses();
        checkShape(batch.featuresView().length, n, "features");
        if (batch.numClasses() != classes) {
            throw new IllegalArgumentException(architecture.spec() + ": batch soft targets have " + batch.numClasses()
                    + " classes per example, the student has " + classes);
        }
        DistillationLoss.PreparedTargets targets =
                loss.prepare(n, classes, batch.softTargetsView(), batch.hasSoftView(), batch.labelsView());
        Shape logitShape = new Shape(n, classes);
        try (NDManager step = model.getNDManager().newSubManager()) {
            NDArray x = trainInputs.features.floats(step, batch.featuresView(), architecture.batchShape(n));
            NDArray weightedSoft = trainInputs.soft.floats(step, targets.weightedSoft(), logitShape);
            NDArray weightedHard = trainInputs.hard.floats(step, targets.weightedHard(), logitShape);
            NDList parts;
            try (GradientCollector collector = model.getNDManager().getEngine().newGradientCollector()) {
                NDArray logits = model.getBlock()
                        .forward(new ParameterStore(step, false), new NDList(x), true)
                        .singletonOrThrow();
                parts = loss.components(logits, weightedSoft, weightedHard, targets);
                collector.backward(parts.get(0).add(parts.get(1)));
                if (topBefore != null) {
                    int[] top = argmax(logits.toFloatArray(), n, classes);
                    System.arraycopy(top, 0, topBefore, 0, n);
                }
            }
            float soft = parts.get(0).getFloat();
            float hard = parts.get(1).getFloat();
            boolean finite = Float.isFinite(soft) && Float.isFinite(hard);
            for (Pair<String, Parameter> p : parameters) {
                NDArray weight = p.getValue().getArray();
                NDArray grad = weight.getGradient();
                // The gradient wrapper is born in the weight's (the model's) manager; it would stay there for ever.
                grad.attach(step);
                if (finite) {
                    adam.update(p.getKey(), weight, grad); // also zeroes the gradient
                } else {
                    // Gradients accumulate: clear them as the skipped update would have (subi(grad) keeps NaN).
                    grad.set(new NDIndex(":"), 0f);
                }
            }
            if (!finite) {
                throw new NonFiniteLossException("student step " + (steps + 1) + ": loss is not finite (soft=" + soft
                        + ", hard=" + hard + "); the batch of " + n + " examples was skipped and the parameters are "
                        + "unchanged. Check its features and teacher logits for NaN/Inf or extreme values.");
            }
            steps++;
            return new TrainStepResult(steps, n, soft + hard, soft, hard, targets.softRows(), targets.hardRows());
        }
    }

    /** Logits of {@code n} examples ({@code n × numClasses}, row-major) with the current parameters; no gradients. */
    public float[] logits(float[] features, int n) {
        checkShape(features.length, n, "features");
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = evalInputs.features.floats(scope, features, architecture.batchShape(n));
            return model.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false)
                    .singletonOrThrow().toFloatArray();
        }
    }

    /** Top-1 class of each of {@code n} examples. */
    public int[] predict(float[] features, int n) {
        return argmax(logits(features, n), n, architecture.numClasses());
    }

    /** Index of the largest value in each row of a row-major {@code rows × cols} array (first index on ties). */
    public static int[] argmax(float[] values, int rows, int cols) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 1; c < cols; c++) {
                if (values[r * cols + c] > values[r * cols + best]) {
                    best = c;
                }
            }
            out[r] = best;
        }
        return out;
    }

    /**
     * A checkpoint of the current state.
     *
     * @param offsets for each input {@code "topic-partition"}, the next offset not yet trained on
     */
    public StudentCheckpoint checkpoint(Map<String, Long> offsets, Map<String, String> metadata) {
        return new StudentCheckpoint(architecture.spec(), steps, parameterBytes(), adam.stateBytes(), offsets,
                metadata, clock.instant());
    }

    public byte[] parameterBytes() {
        return Models.parameterBytes(model);
    }

    /** Number of optimiser steps taken since the first parameters (including those before a resume). */
    public long steps() {
        return steps;
    }

    public StudentConfig config() {
        return config;
    }

    public Architecture architecture() {
        return architecture;
    }

    /** The model, for read-only use (e.g. counting its manager's live arrays); do not train it elsewhere. */
    public Model model() {
        return model;
    }

    @Override
    public void close() {
        adam.close();
        model.close();
    }

    private void checkShape(int featureCount, int n, String what) {
        long expected = (long) n * architecture.sampleSize();
        if (n <= 0 || featureCount != expected) {
            throw new IllegalArgumentException(architecture.spec() + ": expected " + n + " × "
                    + architecture.sampleSize() + " = " + expected + " " + what + " values, got " + featureCount);
        }
    }

    /** Direct buffers reused across calls; an array over one is closed before the buffer is refilled. */
    private static final class InputBuffers {
        final DirectBuffer features = new DirectBuffer();
        final DirectBuffer soft = new DirectBuffer();
        final DirectBuffer hard = new DirectBuffer();
    }

    private static final class DirectBuffer {
        private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

        private ByteBuffer sized(int bytes) {
            if (buffer.capacity() < bytes) {
                buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            }
            buffer.clear().limit(bytes);
            return buffer;
        }

        NDArray floats(NDManager manager, float[] values, Shape shape) {
            ByteBuffer b = sized(values.length * Float.BYTES);
            b.asFloatBuffer().put(values);
            return manager.create(b, shape, DataType.FLOAT32);
        }
    }
}
