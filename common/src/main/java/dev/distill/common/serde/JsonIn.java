package dev.distill.common.serde;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.io.Closeable;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** Typed reads of one flat JSON object; type errors name the field. Jackson's own exceptions are mapped by the codec. */
final class JsonIn implements Closeable {
    private final JsonParser p;
    private final String what;

    private JsonIn(JsonParser p, String what) {
        this.p = p;
        this.what = what;
    }

    static JsonIn open(byte[] bytes, String what) throws IOException {
        JsonIn in = new JsonIn(Json.FACTORY.createParser(bytes), what);
        JsonToken first = in.p.nextToken();
        if (first == null) {
            throw new MalformedRecordException(Reason.EMPTY, what + ": value holds no JSON (only whitespace)");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new MalformedRecordException(Reason.WRONG_TYPE, what + ": expected a JSON object, got "
                    + describe(first));
        }
        return in;
    }

    /** The next field name, or null at the end of the object. */
    String nextField() throws IOException {
        JsonToken t = p.nextToken();
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        if (t != JsonToken.FIELD_NAME) {
            throw new MalformedRecordException(Reason.NOT_JSON, what + ": expected a field name, got " + describe(t));
        }
        String name = p.currentName();
        p.nextToken();
        return name;
    }

    void skipValue() throws IOException {
        p.skipChildren();
    }

    /** Requires the input to end after the object. */
    void end() throws IOException {
        JsonToken t = p.nextToken();
        if (t != null) {
            throw new MalformedRecordException(Reason.NOT_JSON, what + ": unexpected " + describe(t)
                    + " after the end of the JSON object");
        }
    }

    String string(String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw wrongType(field, "a string");
        }
        return p.getText();
    }

    String nullableString(String field) throws IOException {
        return p.currentToken() == JsonToken.VALUE_NULL ? null : string(field);
    }

    long longValue(String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(field, "an integer");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + ": field \"" + field + "\" = " + p.getText()
                    + " is out of the 64-bit integer range");
        }
        return p.getLongValue();
    }

    int intValue(String field) throws IOException {
        long v = longValue(field);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new MalformedRecordException(Reason.BAD_VALUE, what + ": field \"" + field + "\" = " + v
                    + " is out of the 32-bit integer range");
        }
        return (int) v;
    }

    int[] intArray(String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw wrongType(field, "an array of integers");
        }
        int[] out = new int[8];
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            String element = field + "[" + n + "]";
            if (t == null) {
                throw new MalformedRecordException(Reason.TRUNCATED, what + ": input ends inside " + field);
            }
            int v = intValue(element);
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    /** Reads numbers as float32; NaN/Infinity literals and out-of-range values come back non-finite for the caller to report. */
    float[] floatArray(String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw wrongType(field, "an array of numbers");
        }
        float[] out = new float[64];
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new MalformedRecordException(Reason.TRUNCATED, what + ": input ends inside " + field);
            }
            if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
                throw wrongType(field + "[" + n + "]", "a number");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = p.getFloatValue();
        }
        return Arrays.copyOf(out, n);
    }

    /** A flat object of finite numbers, sorted by name. */
    Map<String, Double> doubleMap(String field) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw wrongType(field, "an object of numbers");
        }
        Map<String, Double> out = new TreeMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                throw new MalformedRecordException(Reason.NOT_JSON, what + ": expected a name in " + field
                        + ", got " + describe(t));
            }
            String name = p.currentName();
            JsonToken v = p.nextToken();
            String element = field + "." + name;
            if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
                throw wrongType(element, "a number");
            }
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) {
                throw new MalformedRecordException(Reason.NON_FINITE, what + ": " + element + " is " + d
                        + "; values must be finite");
            }
            out.put(name, d);
        }
        return out;
    }

    private MalformedRecordException wrongType(String field, String expected) {
        return new MalformedRecordException(Reason.WRONG_TYPE, what + ": field \"" + field + "\" must be "
                + expected + ", got " + describe(p.currentToken()));
    }

    static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a number with a fraction";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case END_ARRAY -> "']'";
            case END_OBJECT -> "'}'";
            case FIELD_NAME -> "a field name";
            default -> t.toString();
        };
    }

    static MalformedRecordException missing(String what, String field) {
        return new MalformedRecordException(Reason.MISSING_FIELD, what + ": missing required field \"" + field + "\"");
    }

    @Override
    public void close() throws IOException {
        p.close();
    }
}
