package dev.distill.common.data;

/**
 * Deterministic image transforms that simulate a drifting input distribution on square greyscale images stored
 * row-major as floats in [0, 1] (Fashion-MNIST: 28×28). Every method returns a new array and leaves its input alone;
 * the same arguments always give the same output, so a drifted stream or test split can be rebuilt bit for bit.
 *
 * <p>Seeded mixes of these transforms are defined by {@link DriftScenario}.
 */
public final class Drift {

    private Drift() {}

    /**
     * Rotates the image by {@code degrees} counter-clockwise (as displayed, row 0 at the top) about its centre, with
     * bilinear interpolation; pixels that come from outside the image are 0 (background).
     */
    public static float[] rotate(float[] image, int side, double degrees) {
        checkSquare(image, side);
        float[] out = new float[image.length];
        double theta = Math.toRadians(degrees);
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        double centre = (side - 1) / 2.0;
        for (int r = 0; r < side; r++) {
            // Inverse mapping: for each output pixel find where it came from, so no output pixel is left empty.
            double y = centre - r;
            for (int c = 0; c < side; c++) {
                double x = c - centre;
                double srcX = x * cos + y * sin;
                double srcY = -x * sin + y * cos;
                out[r * side + c] = bilinear(image, side, centre - srcY, srcX + centre);
            }
        }
        return out;
    }

    private static float bilinear(float[] image, int side, double row, double col) {
        // Snap values within rounding error of a grid point so that multiples of 90° move pixels exactly.
        row = snap(row);
        col = snap(col);
        int r0 = (int) Math.floor(row);
        int c0 = (int) Math.floor(col);
        double fr = row - r0;
        double fc = col - c0;
        double v = (1 - fr) * (1 - fc) * at(image, side, r0, c0)
                + (1 - fr) * fc * at(image, side, r0, c0 + 1)
                + fr * (1 - fc) * at(image, side, r0 + 1, c0)
                + fr * fc * at(image, side, r0 + 1, c0 + 1);
        return (float) v;
    }

    private static double snap(double v) {
        double rounded = Math.rint(v);
        return Math.abs(v - rounded) < 1e-9 ? rounded : v;
    }

    private static float at(float[] image, int side, int r, int c) {
        return r < 0 || r >= side || c < 0 || c >= side ? 0f : image[r * side + c];
    }

    /**
     * Scales each pixel's distance from the image mean by {@code factor} (below 1: washed out, above 1: harsher) and
     * clamps the result to [0, 1].
     */
    public static float[] contrast(float[] image, double factor) {
        if (!(factor >= 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("contrast factor must be finite and >= 0, got " + factor);
        }
        double sum = 0;
        for (float p : image) {
            sum += p;
        }
        double mean = image.length == 0 ? 0 : sum / image.length;
        float[] out = new float[image.length];
        for (int i = 0; i < image.length; i++) {
            double v = mean + (image[i] - mean) * factor;
            out[i] = (float) Math.min(1.0, Math.max(0.0, v));
        }
        return out;
    }

    /**
     * Sets the {@code size}×{@code size} square whose top-left pixel is ({@code row}, {@code col}) to {@code fill};
     * the part of the square outside the image is ignored.
     */
    public static float[] occlude(float[] image, int side, int row, int col, int size, float fill) {
        checkSquare(image, side);
        if (size < 0) {
            throw new IllegalArgumentException("occlusion size must be >= 0, got " + size);
        }
        float[] out = image.clone();
        for (int r = Math.max(0, row); r < Math.min(side, row + size); r++) {
            for (int c = Math.max(0, col); c < Math.min(side, col + size); c++) {
                out[r * side + c] = fill;
            }
        }
        return out;
    }

    /** {@link #occlude(float[], int, int, int, int, float)} with the background value 0. */
    public static float[] occlude(float[] image, int side, int row, int col, int size) {
        return occlude(image, side, row, col, size, 0f);
    }

    private static void checkSquare(float[] image, int side) {
        if (side <= 0 || image.length != side * side) {
            throw new IllegalArgumentException("expected a " + side + "x" + side + " image (" + (long) side * side
                    + " values), got " + image.length + " values");
        }
    }
}
