package dev.distill.student.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adam whose state (first and second moments, update count) is keyed by parameter name and can be saved to and
 * restored from bytes, so that a resumed trainer continues bit for bit. DJL's {@code Adam} keys its state by random
 * parameter ids and cannot save it (notes/djl.md #4).
 *
 * <p>The update is DJL 0.36's {@code Adam.update} verbatim (same bias-corrected learning rate in doubles, same native
 * {@code adamUpdate} call with rescale 1, no clipping, no weight decay), which also zeroes the weight's gradient.
 * State arrays live in a manager owned by this object; {@link #close()} frees them. Not thread-safe.
 */
public final class NamedAdam implements AutoCloseable {

    private static final int FORMAT_VERSION = 1;
    private static final int MAGIC = 0x4E41444D; // "NADM"

    private final NDManager manager;
    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final Map<String, State> states = new TreeMap<>();

    private static final class State {
        final NDArray mean;
        final NDArray variance;
        int count;

        State(NDArray mean, NDArray variance, int count) {
            this.mean = mean;
            this.variance = variance;
            this.count = count;
        }
    }

    /** @param parent the manager whose sub-manager will hold the moments (e.g. the model's) */
    public NamedAdam(NDManager parent, float learningRate) {
        this(parent, learningRate, 0.9f, 0.999f, 1e-8f);
    }

    public NamedAdam(NDManager parent, float learningRate, float beta1, float beta2, float epsilon) {
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("Adam learning rate must be a finite number > 0, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("Adam needs 0 <= beta1, beta2 < 1 and epsilon > 0, got beta1=" + beta1
                    + " beta2=" + beta2 + " epsilon=" + epsilon);
        }
        this.manager = parent.newSubManager();
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    /** Updates {@code weight} in place from {@code grad} and zeroes the weight's gradient. */
    public void update(String name, NDArray weight, NDArray grad) {
        State s = states.computeIfAbsent(name, k -> new State(
                manager.zeros(weight.getShape(), weight.getDataType()),
                manager.zeros(weight.getShape(), weight.getDataType()), 0));
        if (!s.mean.getShape().equals(weight.getShape())) {
            throw new IllegalStateException("Adam state for parameter '" + name + "' has shape " + s.mean.getShape()
                    + " but the parameter has " + weight.getShape() + "; was the state saved from another architecture?");
        }
        int t = ++s.count;
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float lr = learningRate;
        float biasCorrected = (float) (lr * Math.sqrt(coef2) / coef1);
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, s.mean, s.variance), new NDList(weight),
                lr, biasCorrected, 0f, 1f, -1f, beta1, beta2, epsilon, true, false);
    }

    /** Number of updates applied to {@code name} so far (0 if never). */
    public int updateCount(String name) {
        State s = states.get(name);
        return s == null ? 0 : s.count;
    }

    /** Hyper-parameters and every parameter's moments and count, in a self-describing binary form. */
    public byte[] stateBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeFloat(learningRate);
            out.writeFloat(beta1);
            out.writeFloat(beta2);
            out.writeFloat(epsilon);
            out.writeInt(states.size());
            for (Map.Entry<String, State> e : states.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().count);
                long[] dims = e.getValue().mean.getShape().getShape();
                out.writeInt(dims.length);
                for (long d : dims) {
                    out.writeLong(d);
                }
                writeFloats(out, e.getValue().mean.toFloatArray());
                writeFloats(out, e.getValue().variance.toFloatArray());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing Adam state to memory", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Replaces this optimiser's state with {@code bytes} from {@link #stateBytes()}. The hyper-parameters must match
     * this instance's: a resume with another learning rate would not be the run that was checkpointed.
     *
     * @throws IllegalArgumentException if the bytes are not Adam state or were written with other hyper-parameters
     */
    public void loadState(byte[] bytes) {
        Map<String, State> loaded = new TreeMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not NamedAdam state (bad magic number)");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("NamedAdam state format " + version + " is not supported (expected "
                        + FORMAT_VERSION + ")");
            }
            float lr = in.readFloat();
            float b1 = in.readFloat();
            float b2 = in.readFloat();
            float eps = in.readFloat();
            if (lr != learningRate || b1 != beta1 || b2 != beta2 || eps != epsilon) {
                throw new IllegalArgumentException("Adam state was saved with lr=" + lr + " beta1=" + b1 + " beta2="
                        + b2 + " epsilon=" + eps + " but this optimiser has lr=" + learningRate + " beta1=" + beta1
                        + " beta2=" + beta2 + " epsilon=" + epsilon + "; configure the same values to resume");
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                int count = in.readInt();
                long[] dims = new long[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readLong();
                }
                Shape shape = new Shape(dims);
                NDArray mean = manager.create(readFloats(in), shape);
                NDArray variance = manager.create(readFloats(in), shape);
                loaded.put(name, new State(mean, variance, count));
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " bytes left over after the Adam state");
            }
        } catch (IOException | RuntimeException e) {
            loaded.values().forEach(s -> {
                s.mean.close();
                s.variance.close();
            });
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("Adam state is truncated or corrupt: " + e.getMessage(), e);
        }
        states.values().forEach(s -> {
            s.mean.close();
            s.variance.close();
        });
        states.clear();
        states.putAll(loaded);
    }

    // Big-endian raw bits, as DataOutputStream.writeInt would write them one by one, in one bulk copy.
    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES);
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() / Float.BYTES) {
            throw new IOException("array length " + n + " exceeds the remaining bytes");
        }
        byte[] bytes = new byte[n * Float.BYTES];
        in.readFully(bytes);
        float[] values = new float[n];
        ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
        return values;
    }

    @Override
    public void close() {
        manager.close();
    }
}
