package dev.distill.common.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;

/**
 * Encoding selection, size limits and the guarantee that decoding throws nothing but
 * {@link MalformedRecordException}.
 */
abstract class AbstractCodec<T> implements RecordCodec<T> {

    protected final RecordLimits limits;

    AbstractCodec(RecordLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public RecordLimits limits() {
        return limits;
    }

    abstract byte[] encodeJson(T value);

    byte[] encodeBinary(T value) {
        throw new IllegalArgumentException(what() + " records have no binary encoding; use JSON");
    }

    abstract T decodeJson(byte[] bytes) throws IOException;

    T decodeBinary(byte[] bytes) {
        throw new MalformedRecordException(Reason.UNKNOWN_ENCODING, what() + " records are JSON only, but header "
                + Encoding.HEADER + "=binary");
    }

    @Override
    public boolean supportsBinary() {
        return false;
    }

    @Override
    public final byte[] encode(T value, Encoding encoding) {
        Objects.requireNonNull(value, "value");
        return switch (Objects.requireNonNull(encoding, "encoding")) {
            case JSON -> encodeJson(value);
            case BINARY -> encodeBinary(value);
        };
    }

    @Override
    public final T decode(byte[] bytes, Headers headers) {
        return guarded(bytes, () -> Encoding.of(headers));
    }

    @Override
    public final T decodeWithoutHeaders(byte[] bytes) {
        return guarded(bytes, () -> BinaryFrames.hasMagic(bytes) ? Encoding.BINARY : Encoding.JSON);
    }

    private interface EncodingChoice {
        Encoding choose();
    }

    private T guarded(byte[] bytes, EncodingChoice choice) {
        try {
            if (bytes == null || bytes.length == 0) {
                throw new MalformedRecordException(Reason.EMPTY, what() + " record has no value ("
                        + (bytes == null ? "null, a tombstone" : "0 bytes") + ")");
            }
            limits.checkSize(what(), bytes.length);
            Encoding encoding = choice.choose();
            if (encoding == Encoding.BINARY) {
                return decodeBinary(bytes);
            }
            if (BinaryFrames.hasMagic(bytes)) {
                throw new MalformedRecordException(Reason.UNKNOWN_ENCODING, what() + ": value is a binary frame "
                        + "(starts with magic D1 57) but header " + Encoding.HEADER + " is absent or \"json\"; "
                        + "producers of binary frames must set " + Encoding.HEADER + ": binary");
            }
            return decodeJson(bytes);
        } catch (MalformedRecordException e) {
            throw e;
        } catch (JsonEOFException e) {
            throw new MalformedRecordException(Reason.TRUNCATED, what() + ": JSON ends early: "
                    + jacksonMessage(e) + location(e), e);
        } catch (StreamConstraintsException e) {
            throw new MalformedRecordException(Reason.OVERSIZED, what() + ": JSON exceeds a parser limit: "
                    + jacksonMessage(e) + location(e), e);
        } catch (JsonProcessingException e) {
            String message = jacksonMessage(e);
            if (message.contains("end-of-input")) {
                throw new MalformedRecordException(Reason.TRUNCATED, what() + ": JSON ends early: " + message
                        + location(e), e);
            }
            throw new MalformedRecordException(Reason.NOT_JSON, what() + ": not valid JSON: " + message
                    + location(e), e);
        } catch (IOException e) {
            throw new MalformedRecordException(Reason.NOT_JSON, what() + ": not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // a record's compact constructor rejected a value the codec did not check itself
            throw new MalformedRecordException(Reason.BAD_VALUE, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what() + ": cannot decode (" + e + ")", e);
        }
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " at byte " + e.getLocation().getByteOffset();
    }

    /** Jackson's message without the source-location boilerplate (the byte offset is appended separately). */
    private static String jacksonMessage(JsonProcessingException e) {
        String s = e.getOriginalMessage();
        if (s == null) {
            return e.getClass().getSimpleName();
        }
        int cut = s.indexOf('\n');
        s = cut < 0 ? s : s.substring(0, cut);
        cut = s.indexOf(" (start marker at");
        return cut < 0 ? s : s.substring(0, cut);
    }

    static MalformedRecordException nonFinite(String what, String field, float[] values) {
        return nonFinite(what, field, values, 0, values.length);
    }

    /** The first non-finite value of {@code values[offset, offset + count)}, indexed from {@code offset}. */
    static MalformedRecordException nonFinite(String what, String field, float[] values, int offset, int count) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(values[offset + i])) {
                return new MalformedRecordException(Reason.NON_FINITE, what + ": " + field + "[" + i + "] is "
                        + values[offset + i] + "; values must be finite float32 (no NaN, no Infinity, |x| <= 3.4e38)");
            }
        }
        return null;
    }

    /** As {@link #nonFinite(String, String, float[], int, int)}, on {@code values[offset, offset + count)} (absolute). */
    static MalformedRecordException nonFinite(String what, String field, FloatBuffer values, int offset, int count) {
        for (int i = 0; i < count; i++) {
            float v = values.get(offset + i);
            if (!Float.isFinite(v)) {
                return new MalformedRecordException(Reason.NON_FINITE, what + ": " + field + "[" + i + "] is "
                        + v + "; values must be finite float32 (no NaN, no Infinity, |x| <= 3.4e38)");
            }
        }
        return null;
    }

    static void checkFinite(String what, String field, FloatBuffer values, int offset, int count) {
        MalformedRecordException e = nonFinite(what, field, values, offset, count);
        if (e != null) {
            throw e;
        }
    }

    static void checkFinite(String what, String field, float[] values) {
        checkFinite(what, field, values, 0, values.length);
    }

    static void checkFinite(String what, String field, float[] values, int offset, int count) {
        MalformedRecordException e = nonFinite(what, field, values, offset, count);
        if (e != null) {
            throw e;
        }
    }
}
