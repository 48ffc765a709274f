package dev.distill.common.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.distill.common.data.LabelledImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Creates DJL models for an {@link Architecture} on the CPU PyTorch engine and moves their parameters to and from
 * bytes (the checkpoint artifact payload).
 *
 * <p>The byte form is DJL's own {@code Block.saveParameters} stream: for the same parameter values it is the same
 * bytes, and {@code parameterBytes(load(bytes)) == bytes}.
 */
public final class Models {

    /** The only engine this project runs its models on. */
    public static final String ENGINE = "PyTorch";

    private Models() {}

    /** A model whose block is built from {@code architecture} and initialised with random parameters. The caller closes it. */
    public static Model newModel(Architecture architecture, String name) {
        Model model = Model.newInstance(name, Device.cpu(), ENGINE);
        try {
            Block block = architecture.newBlock();
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, architecture.batchShape(1));
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Like {@link #newModel(Architecture, String)} with reproducible initial parameters. Note: this sets the PyTorch
     * engine's process-wide random seed, which also affects any other model initialised or trained concurrently.
     */
    public static Model newModel(Architecture architecture, String name, int seed) {
        Engine.getEngine(ENGINE).setRandomSeed(seed);
        return newModel(architecture, name);
    }

    /** A model with the given parameters, as produced by {@link #parameterBytes(Model)} for the same architecture. */
    public static Model loadModel(Architecture architecture, String name, byte[] parameters) {
        Model model = Model.newInstance(name, Device.cpu(), ENGINE);
        try {
            Block block = architecture.newBlock();
            model.setBlock(block);
            loadParameters(architecture, block, model.getNDManager(), parameters);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The model's parameters in DJL's parameter stream format. */
    public static byte[] parameterBytes(Model model) {
        return parameterBytes(model.getBlock());
    }

    /** The block's parameters in DJL's parameter stream format; the block must be initialised. */
    public static byte[] parameterBytes(Block block) {
        if (!block.isInitialized()) {
            throw new IllegalStateException("cannot save parameters of an uninitialised block");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            block.saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing parameters to memory", e);
        }
        return bytes.toByteArray();
    }

    /** Replaces the parameters of {@code block} (built from {@code architecture}) with those in {@code parameters}. */
    public static void loadParameters(Architecture architecture, Block block, NDManager manager, byte[] parameters) {
        ByteArrayInputStream bytes = new ByteArrayInputStream(parameters);
        try (DataInputStream in = new DataInputStream(bytes)) {
            block.loadParameters(manager, in);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new ParameterFormatException(architecture.spec() + ": cannot load " + parameters.length
                    + " parameter bytes (" + e.getMessage() + "); were they saved from a " + architecture.spec()
                    + " model?", e);
        }
        if (bytes.available() != 0) {
            throw new ParameterFormatException(architecture.spec() + ": " + bytes.available() + " of "
                    + parameters.length + " parameter bytes left over after loading; were they saved from a "
                    + architecture.spec() + " model?");
        }
        long count = countParameters(block);
        if (count != architecture.parameterCount()) {
            throw new ParameterFormatException(architecture.spec() + ": loaded " + count
                    + " parameters, the architecture has " + architecture.parameterCount());
        }
    }

    /** Number of scalars held by the block's parameters. */
    public static long countParameters(Block block) {
        long count = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().getArray();
            count += array.getShape().size();
        }
        return count;
    }

    /**
     * Inference without gradients: {@code inputs} holds {@code batch} samples of {@link Architecture#sampleSize()}
     * values each (row-major, e.g. 28×28 pixels); returns {@code batch × numClasses} logits, row-major. All arrays live
     * in a sub-manager closed before returning.
     */
    public static float[] logits(Model model, Architecture architecture, float[] inputs, int batch) {
        long expected = (long) batch * architecture.sampleSize();
        if (batch <= 0 || inputs.length != expected) {
            throw new IllegalArgumentException(architecture.spec() + ": expected " + batch + " × "
                    + architecture.sampleSize() + " = " + expected + " input values, got " + inputs.length);
        }
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(inputs, architecture.batchShape(batch));
            NDList out = model.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false);
            NDArray logits = out.singletonOrThrow();
            Shape shape = logits.getShape();
            if (shape.dimension() != 2 || shape.get(0) != batch || shape.get(1) != architecture.numClasses()) {
                throw new IllegalStateException(architecture.spec() + ": block returned shape " + shape + ", expected ("
                        + batch + ", " + architecture.numClasses() + ")");
            }
            return logits.toFloatArray();
        }
    }

    /** Top-1 accuracy of {@code model} on {@code images}, scored in batches of 256 (each in a closing scope). */
    public static double accuracy(Model model, Architecture architecture, LabelledImages images) {
        int classes = architecture.numClasses();
        int sampleSize = images.imageSize();
        int batch = 256;
        long correct = 0;
        for (int from = 0; from < images.count(); from += batch) {
            int size = Math.min(batch, images.count() - from);
            float[] inputs = new float[size * sampleSize]; // logits() wants exactly size samples
            for (int i = 0; i < size; i++) {
                images.copyImage(from + i, inputs, i * sampleSize);
            }
            float[] logits = logits(model, architecture, inputs, size);
            for (int i = 0; i < size; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (logits[i * classes + c] > logits[i * classes + best]) {
                        best = c;
                    }
                }
                if (best == images.label(from + i)) {
                    correct++;
                }
            }
        }
        return images.count() == 0 ? 0 : (double) correct / images.count();
    }
}
