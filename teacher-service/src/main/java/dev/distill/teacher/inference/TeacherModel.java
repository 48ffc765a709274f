package dev.distill.teacher.inference;

import java.nio.ByteBuffer;

/**
 * A loaded teacher: scores batches of samples into logits. Safe to call from several threads (each gets its own
 * DJL {@code Predictor}); {@link #close()} must only be called once no thread scores any more.
 */
public interface TeacherModel extends AutoCloseable {

    /** Short SHA-256 of the model file's bytes: the same file gives the same version on every machine. */
    String version();

    /** Values per sample (e.g. 784 for 28×28). */
    int sampleSize();

    int numClasses();

    /**
     * Scores {@code n} samples.
     *
     * @param inputs at least {@code n * sampleSize()} values, sample after sample, row-major; only the first
     *               {@code n * sampleSize()} are read, so a caller may reuse one array for batches of any size
     * @return {@code n} rows of {@code numClasses()} logits
     * @throws IllegalArgumentException if {@code inputs} holds fewer than {@code n} samples
     * @throws TeacherModelException if the model fails or returns an unexpected shape
     */
    float[][] score(float[] inputs, int n);

    /**
     * Scores {@code n} samples held in a direct buffer of native-order float32 values, sample after sample, from index
     * 0 (position and limit are ignored): the tensor is built on the buffer without a copy, so the caller must not
     * write to it until this returns.
     *
     * @throws IllegalArgumentException if {@code inputs} is not direct or native-order, or holds fewer than {@code n}
     *                                  samples
     * @throws TeacherModelException if the model fails or returns an unexpected shape
     */
    float[][] score(ByteBuffer inputs, int n);

    @Override
    void close();
}
