package dev.distill.common.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.util.List;

/**
 * A multi-layer perceptron: {@code widths = [input, hidden..., classes]}; Linear+ReLU between layers, the last Linear
 * has no activation so the block returns logits.
 */
public record MlpArchitecture(List<Integer> widths) implements Architecture {

    public MlpArchitecture {
        widths = List.copyOf(widths);
        if (widths.size() < 2) {
            throw new IllegalArgumentException("mlp needs at least an input and an output width, got " + widths);
        }
        for (int w : widths) {
            if (w <= 0 || w > Architectures.MAX_WIDTH) {
                throw new IllegalArgumentException(
                        "mlp layer widths must be in 1.." + Architectures.MAX_WIDTH + ", got " + w + " in " + widths);
            }
        }
    }

    @Override
    public String spec() {
        StringBuilder sb = new StringBuilder("mlp:");
        for (int i = 0; i < widths.size(); i++) {
            sb.append(i == 0 ? "" : "-").append(widths.get(i));
        }
        return sb.toString();
    }

    @Override
    public long[] sampleShape() {
        return new long[] {widths.get(0)};
    }

    @Override
    public int numClasses() {
        return widths.get(widths.size() - 1);
    }

    @Override
    public long parameterCount() {
        long count = 0;
        for (int i = 1; i < widths.size(); i++) {
            count += (long) widths.get(i - 1) * widths.get(i) + widths.get(i);
        }
        return count;
    }

    @Override
    public Block newBlock() {
        SequentialBlock block = new SequentialBlock();
        for (int i = 1; i < widths.size(); i++) {
            block.add(Linear.builder().setUnits(widths.get(i)).build());
            if (i < widths.size() - 1) {
                block.add(Activation.reluBlock());
            }
        }
        return block;
    }

    @Override
    public String toString() {
        return spec() + " [input " + new Shape(sampleShape()) + ", " + parameterCount() + " parameters]";
    }
}
