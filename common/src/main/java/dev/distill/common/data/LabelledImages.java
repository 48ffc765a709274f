package dev.distill.common.data;

import java.util.Arrays;

/**
 * Greyscale images with integer labels, stored compactly as unsigned bytes (60 000 Fashion-MNIST images take 47 MB
 * instead of 188 MB as floats). Pixel accessors return floats in [0, 1]. Immutable.
 */
public final class LabelledImages {

    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;

    /**
     * @param pixels {@code labels.length × rows × cols} unsigned bytes, image after image, row-major; copied
     * @param labels one unsigned byte per image; copied
     */
    public LabelledImages(int rows, int cols, byte[] pixels, byte[] labels) {
        this(pixels.clone(), labels.clone(), rows, cols);
    }

    /** Takes ownership of the arrays; for readers that have just filled them. */
    static LabelledImages wrap(int rows, int cols, byte[] pixels, byte[] labels) {
        return new LabelledImages(pixels, labels, rows, cols);
    }

    // Same as the public constructor without the copies; the argument order only tells the two apart.
    private LabelledImages(byte[] pixels, byte[] labels, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + rows + "x" + cols);
        }
        if ((long) labels.length * rows * cols != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels need " + (long) labels.length * rows * cols
                    + " pixels of " + rows + "x" + cols + " images, got " + pixels.length);
        }
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    public int count() {
        return labels.length;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** {@code rows × cols}. */
    public int imageSize() {
        return rows * cols;
    }

    /** Label of image {@code index}, 0-based. */
    public int label(int index) {
        checkIndex(index);
        return labels[index] & 0xFF;
    }

    /** Pixel {@code (row, col)} of image {@code index} in [0, 1]. */
    public float pixel(int index, int row, int col) {
        checkIndex(index);
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("pixel (" + row + ", " + col + ") outside " + rows + "x" + cols);
        }
        return (pixels[index * imageSize() + row * cols + col] & 0xFF) / 255f;
    }

    /** Image {@code index} as {@code rows × cols} floats in [0, 1], row-major (a new array). */
    public float[] image(int index) {
        float[] out = new float[imageSize()];
        copyImage(index, out, 0);
        return out;
    }

    /** Writes image {@code index} as floats in [0, 1] into {@code dst[offset .. offset + imageSize())}; for batching without garbage. */
    public void copyImage(int index, float[] dst, int offset) {
        checkIndex(index);
        int size = imageSize();
        if (offset < 0 || offset + size > dst.length) {
            throw new IndexOutOfBoundsException("need " + size + " floats at offset " + offset + ", array has " + dst.length);
        }
        int base = index * size;
        for (int i = 0; i < size; i++) {
            dst[offset + i] = (pixels[base + i] & 0xFF) / 255f;
        }
    }

    /** All labels as ints (a new array). */
    public int[] labels() {
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i] & 0xFF;
        }
        return out;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException("image " + index + " outside 0.." + (labels.length - 1));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelledImages other && rows == other.rows && cols == other.cols
                && Arrays.equals(labels, other.labels) && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "LabelledImages[" + count() + " images of " + rows + "x" + cols + "]";
    }
}
