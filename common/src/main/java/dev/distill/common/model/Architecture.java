package dev.distill.common.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/**
 * A validated model architecture, parsed from a spec string by {@link Architectures#parse(String)}.
 *
 * <p>Teacher, student and edge agent all build their networks from the same spec, so a spec string in a
 * checkpoint manifest is enough to rebuild a block that accepts the checkpoint's parameters.
 */
public sealed interface Architecture permits MlpArchitecture, CnnArchitecture {

    /** The canonical spec, e.g. {@code mlp:784-512-256-10} or {@code cnn:small}; {@code parse(spec())} is equal to this. */
    String spec();

    /** Shape of one sample as the block expects it, without the batch axis: {@code [784]} or {@code [1, 28, 28]}. */
    long[] sampleShape();

    /** Number of logits the block produces per sample. */
    int numClasses();

    /** Number of trainable scalars (weights and biases); equals what the built block holds after initialisation. */
    long parameterCount();

    /** A fresh, uninitialised block; see {@link Models#newModel} for one with parameters. */
    Block newBlock();

    /** Number of scalars per sample ({@code 784} for Fashion-MNIST in either family). */
    default long sampleSize() {
        long size = 1;
        for (long d : sampleShape()) {
            size *= d;
        }
        return size;
    }

    /** {@code [batch, ...sampleShape()]}. */
    default Shape batchShape(long batch) {
        long[] sample = sampleShape();
        long[] dims = new long[sample.length + 1];
        dims[0] = batch;
        System.arraycopy(sample, 0, dims, 1, sample.length);
        return new Shape(dims);
    }

    /**
     * Reshapes a batch whose first axis is the batch ({@code [B, 784]}, {@code [B, 28, 28]}, {@code [B, 1, 28, 28]}, ...)
     * into {@link #batchShape(long)}. The result shares the input's manager.
     *
     * @throws IllegalArgumentException if the batch has no batch axis or a sample does not hold {@link #sampleSize()} scalars
     */
    default NDArray toModelInput(NDArray batch) {
        Shape shape = batch.getShape();
        if (shape.dimension() < 2) {
            throw new IllegalArgumentException(spec() + ": input must be a batch [B, ...] of samples, got shape " + shape
                    + "; add a batch axis (e.g. expandDims(0)) for a single sample");
        }
        long perSample = shape.size() / Math.max(1, shape.get(0));
        if (shape.get(0) > 0 && perSample != sampleSize()) {
            throw new IllegalArgumentException(spec() + ": each sample must hold " + sampleSize() + " values (shape "
                    + new Shape(sampleShape()) + "), got " + perSample + " from batch shape " + shape);
        }
        Shape target = batchShape(shape.get(0));
        return shape.equals(target) ? batch : batch.reshape(target);
    }
}
