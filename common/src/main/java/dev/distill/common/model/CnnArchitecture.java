package dev.distill.common.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.Locale;

/**
 * A named convolutional network for 1×28×28 greyscale images. Each {@link Preset} is the single definition of
 * what its spec (e.g. {@code cnn:small}) means; changing a preset changes the parameter layout of every checkpoint
 * that names it, so add a new preset instead.
 */
public record CnnArchitecture(Preset preset) implements Architecture {

    private static final int CHANNELS = 1;
    private static final int SIDE = 28;
    private static final int CLASSES = 10;

    /**
     * Two blocks of (conv k×k "same" padding → ReLU → 2×2 max-pool), then flatten, an optional hidden Linear+ReLU,
     * and a Linear to 10 logits.
     */
    public enum Preset {
        /** Teacher candidate: conv5x5·32 → pool → conv5x5·64 → pool → 256 → 10 (857 738 parameters). */
        SMALL(5, 32, 64, 256),
        /** Edge-sized student: conv3x3·8 → pool → conv3x3·16 → pool → 10 (9 098 parameters). */
        TINY(3, 8, 16, 0);

        final int kernel;
        final int filters1;
        final int filters2;
        final int hidden;

        Preset(int kernel, int filters1, int filters2, int hidden) {
            this.kernel = kernel;
            this.filters1 = filters1;
            this.filters2 = filters2;
            this.hidden = hidden;
        }

        /** The name after {@code cnn:}. */
        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public CnnArchitecture {
        if (preset == null) {
            throw new IllegalArgumentException("cnn preset must not be null");
        }
    }

    @Override
    public String spec() {
        return "cnn:" + preset.specName();
    }

    @Override
    public long[] sampleShape() {
        return new long[] {CHANNELS, SIDE, SIDE};
    }

    @Override
    public int numClasses() {
        return CLASSES;
    }

    @Override
    public long parameterCount() {
        long k2 = (long) preset.kernel * preset.kernel;
        long count = k2 * CHANNELS * preset.filters1 + preset.filters1;
        count += k2 * preset.filters1 * preset.filters2 + preset.filters2;
        long flat = flattenedWidth();
        if (preset.hidden > 0) {
            count += flat * preset.hidden + preset.hidden;
            flat = preset.hidden;
        }
        return count + flat * CLASSES + CLASSES;
    }

    private long flattenedWidth() {
        long side = SIDE / 2 / 2; // two 2x2 pools after "same"-padded convolutions
        return side * side * preset.filters2;
    }

    @Override
    public Block newBlock() {
        Shape kernel = new Shape(preset.kernel, preset.kernel);
        Shape same = new Shape(preset.kernel / 2, preset.kernel / 2);
        Shape pool = new Shape(2, 2);
        SequentialBlock block = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(kernel).optPadding(same).setFilters(preset.filters1).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(pool, pool))
                .add(Conv2d.builder().setKernelShape(kernel).optPadding(same).setFilters(preset.filters2).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(pool, pool))
                .add(Blocks.batchFlattenBlock());
        if (preset.hidden > 0) {
            block.add(Linear.builder().setUnits(preset.hidden).build()).add(Activation.reluBlock());
        }
        return block.add(Linear.builder().setUnits(CLASSES).build());
    }

    @Override
    public String toString() {
        return spec() + " [input " + new Shape(sampleShape()) + ", " + parameterCount() + " parameters]";
    }
}
