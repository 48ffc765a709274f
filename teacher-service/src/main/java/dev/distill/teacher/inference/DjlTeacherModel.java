package dev.distill.teacher.inference;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A teacher backed by a DJL {@link Model} (TorchScript or a registry architecture with loaded parameters), scored
 * through one {@link Predictor} per thread with {@link NoopTranslator} ({@code NDList} in and out).
 */
final class DjlTeacherModel implements TeacherModel {

    private final Model model;
    private final String version;
    private final long[] sampleShape;
    private final int sampleSize;
    private final int numClasses;
    private final String description;
    private final List<PerThread> all = new ArrayList<>();
    private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(this::newPerThread);
    private volatile boolean closed;

    /** A thread's predictor and the direct buffer its inputs are copied into (zero-copy into the native tensor). */
    private static final class PerThread {
        final Predictor<NDList, NDList> predictor;
        ByteBuffer buffer = ByteBuffer.allocateDirect(0);

        PerThread(Predictor<NDList, NDList> predictor) {
            this.predictor = predictor;
        }
    }

    DjlTeacherModel(Model model, String version, long[] sampleShape, int numClasses, String description) {
        this.model = Objects.requireNonNull(model, "model");
        this.version = Objects.requireNonNull(version, "version");
        this.sampleShape = sampleShape.clone();
        long size = 1;
        for (long d : sampleShape) {
            size *= d;
        }
        this.sampleSize = Math.toIntExact(size);
        this.numClasses = numClasses;
        this.description = description;
    }

    private PerThread newPerThread() {
        synchronized (all) {
            if (closed) {
                throw new IllegalStateException(description + " is closed");
            }
            PerThread p = new PerThread(model.newPredictor(new NoopTranslator()));
            all.add(p);
            return p;
        }
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public int sampleSize() {
        return sampleSize;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public float[][] score(float[] inputs, int n) {
        if (n < 1 || inputs.length < (long) n * sampleSize) {
            throw new IllegalArgumentException(description + ": expected at least " + n + " × " + sampleSize
                    + " input values, got " + inputs.length);
        }
        PerThread state = perThread.get();
        int values = n * sampleSize;
        int bytes = values * Float.BYTES;
        if (state.buffer.capacity() < bytes) {
            state.buffer = ByteBuffer.allocateDirect(Math.max(bytes, state.buffer.capacity() * 2))
                    .order(ByteOrder.nativeOrder());
        }
        state.buffer.clear();
        state.buffer.asFloatBuffer().put(inputs, 0, values);
        return score(state, state.buffer, n);
    }

    @Override
    public float[][] score(ByteBuffer inputs, int n) {
        if (!inputs.isDirect() || inputs.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException(description + ": inputs must be a direct buffer in native byte order");
        }
        if (n < 1 || inputs.capacity() < (long) n * sampleSize * Float.BYTES) {
            throw new IllegalArgumentException(description + ": expected at least " + n + " × " + sampleSize
                    + " input values, got " + inputs.capacity() / Float.BYTES);
        }
        return score(perThread.get(), inputs, n);
    }

    private float[][] score(PerThread state, ByteBuffer inputs, int n) {
        if (closed) {
            throw new IllegalStateException(description + " is closed");
        }
        // a view of exactly the batch: DJL builds the tensor on [position, limit) of the buffer it is given
        ByteBuffer batch = inputs.duplicate().order(ByteOrder.nativeOrder());
        batch.clear().limit(n * sampleSize * Float.BYTES);
        long[] dims = new long[sampleShape.length + 1];
        dims[0] = n;
        System.arraycopy(sampleShape, 0, dims, 1, sampleShape.length);
        float[] flat;
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(batch, new Shape(dims), DataType.FLOAT32);
            NDList out = state.predictor.predict(new NDList(x));
            try {
                NDArray y = out.get(0);
                Shape shape = y.getShape();
                if (shape.dimension() != 2 || shape.get(0) != n || shape.get(1) != numClasses) {
                    throw new TeacherModelException(description + ": returned shape " + shape + " for a batch of "
                            + n + ", expected (" + n + ", " + numClasses + "); check model.num.classes and "
                            + "model.input.shape against the model");
                }
                flat = y.toType(DataType.FLOAT32, false).toFloatArray();
            } finally {
                out.close();
            }
        } catch (TranslateException | RuntimeException e) {
            if (e instanceof TeacherModelException t) {
                throw t;
            }
            throw new TeacherModelException(description + ": inference on a batch of " + n + " failed: " + e, e);
        }
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * numClasses, (i + 1) * numClasses);
        }
        return rows;
    }

    @Override
    public void close() {
        synchronized (all) {
            if (closed) {
                return;
            }
            closed = true;
            all.forEach(p -> p.predictor.close());
            all.clear();
        }
        model.close();
    }

    @Override
    public String toString() {
        return description + " version " + version;
    }
}
