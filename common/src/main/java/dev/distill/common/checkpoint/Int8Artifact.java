package dev.distill.common.checkpoint;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Models;
import dev.distill.common.model.ParameterFormatException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * An int8-quantised form of a checkpoint artifact for bandwidth-starved devices, with one float32 scale per row
 * (symmetric: {@code value ≈ q × scale}, {@code q ∈ [-127, 127]}, {@code scale = max|row| / 127}).
 *
 * <p>Format {@code DQ81} (big-endian):
 * <pre>
 *   magic "DQ81", int32 tensorCount, then per tensor (in the block's parameter order):
 *     uint16 nameLength, name (UTF-8, DJL parameter name such as "01Linear_weight"),
 *     uint8 rank, rank × int64 dims,
 *     int32 rows (dims[0] for rank ≥ 2, else 1), rows × float32 scale,
 *     product(dims) × int8 values, row-major
 * </pre>
 * {@link #loadModel} dequantises it into a DJL model of the named architecture. A row of zeros has scale 0.
 */
public final class Int8Artifact {

    public static final String CONTENT_TYPE = "application/vnd.distill.int8";
    private static final byte[] MAGIC = {'D', 'Q', '8', '1'};

    private Int8Artifact() {}

    /** Quantises DJL parameter bytes (as in {@link Models#parameterBytes}) of {@code architecture}. */
    public static byte[] quantize(Architecture architecture, byte[] parameters) {
        try (Model model = Models.loadModel(architecture, "int8-quantize", parameters)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(parameters.length / 3);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.write(MAGIC);
                var params = model.getBlock().getParameters();
                out.writeInt(params.size());
                for (Pair<String, Parameter> p : params) {
                    NDArray array = p.getValue().getArray();
                    long[] dims = array.getShape().getShape();
                    float[] values = array.toFloatArray();
                    byte[] name = p.getKey().getBytes(StandardCharsets.UTF_8);
                    out.writeShort(name.length);
                    out.write(name);
                    out.writeByte(dims.length);
                    for (long d : dims) {
                        out.writeLong(d);
                    }
                    int rows = dims.length >= 2 ? (int) dims[0] : 1;
                    int rowLength = rows == 0 ? 0 : values.length / rows;
                    out.writeInt(rows);
                    float[] scales = new float[rows];
                    for (int r = 0; r < rows; r++) {
                        float max = 0;
                        for (int i = r * rowLength; i < (r + 1) * rowLength; i++) {
                            max = Math.max(max, Math.abs(values[i]));
                        }
                        scales[r] = max / 127f;
                        out.writeFloat(scales[r]);
                    }
                    byte[] q = new byte[values.length];
                    for (int r = 0; r < rows; r++) {
                        for (int i = r * rowLength; i < (r + 1) * rowLength; i++) {
                            q[i] = scales[r] == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(values[i] / scales[r])));
                        }
                    }
                    out.write(q);
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing int8 artifact to memory", e);
        }
    }

    /** Dequantises into a new model of {@code architecture}; the caller closes it. */
    public static Model loadModel(Architecture architecture, String name, byte[] int8) {
        Map<String, float[]> tensors = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        try {
            ByteBuffer in = ByteBuffer.wrap(int8);
            byte[] magic = new byte[4];
            in.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new ParameterFormatException("not a DQ81 int8 artifact (bad magic)");
            }
            int count = in.getInt();
            for (int t = 0; t < count; t++) {
                byte[] nameBytes = new byte[Short.toUnsignedInt(in.getShort())];
                in.get(nameBytes);
                long[] dims = new long[Byte.toUnsignedInt(in.get())];
                long size = 1;
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.getLong();
                    size *= dims[d];
                }
                int rows = in.getInt();
                if (size > in.remaining() || rows < 0 || rows > size + 1) {
                    throw new ParameterFormatException("int8 artifact: tensor " + t + " claims " + size
                            + " values, only " + in.remaining() + " bytes left");
                }
                float[] scales = new float[rows];
                for (int r = 0; r < rows; r++) {
                    scales[r] = in.getFloat();
                }
                float[] values = new float[(int) size];
                int rowLength = rows == 0 ? 0 : values.length / rows;
                for (int i = 0; i < values.length; i++) {
                    values[i] = in.get() * scales[rowLength == 0 ? 0 : i / rowLength];
                }
                String tensorName = new String(nameBytes, StandardCharsets.UTF_8);
                tensors.put(tensorName, values);
                shapes.put(tensorName, dims);
            }
            if (in.hasRemaining()) {
                throw new ParameterFormatException("int8 artifact: " + in.remaining() + " bytes left over");
            }
        } catch (BufferUnderflowException e) {
            throw new ParameterFormatException("int8 artifact is truncated (" + int8.length + " bytes)", e);
        }
        Model model = Models.newModel(architecture, name);
        try {
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                float[] values = tensors.remove(p.getKey());
                NDArray array = p.getValue().getArray();
                if (values == null || !Arrays.equals(shapes.get(p.getKey()), array.getShape().getShape())) {
                    throw new ParameterFormatException(architecture.spec() + ": int8 artifact lacks parameter "
                            + p.getKey() + " of shape " + array.getShape() + " (or has another shape)");
                }
                array.set(FloatBuffer.wrap(values));
            }
            if (!tensors.isEmpty()) {
                throw new ParameterFormatException(architecture.spec() + ": int8 artifact has unknown parameters "
                        + tensors.keySet());
            }
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
