package dev.distill.common.data;

/** The two parts of Fashion-MNIST, with the file names Debian's {@code dataset-fashion-mnist} installs. */
public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String prefix;

    Split(String prefix) {
        this.prefix = prefix;
    }

    /** {@code train-images-idx3-ubyte} or {@code t10k-images-idx3-ubyte} (without {@code .gz}). */
    public String imagesFile() {
        return prefix + "-images-idx3-ubyte";
    }

    /** {@code train-labels-idx1-ubyte} or {@code t10k-labels-idx1-ubyte} (without {@code .gz}). */
    public String labelsFile() {
        return prefix + "-labels-idx1-ubyte";
    }
}
