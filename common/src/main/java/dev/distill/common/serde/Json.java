package dev.distill.common.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** The one Jackson factory of the wire codecs. */
final class Json {
    private Json() {}

    /**
     * Constraints for documents that are mostly long float arrays: numbers short (a float32 needs under 30 digits;
     * long digit strings cost quadratic parsing), nesting shallow, names and strings small. Document size is bounded
     * separately by {@link RecordLimits#maxRecordBytes()} before parsing starts.
     */
    static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNumberLength(100)
            .maxNestingDepth(16)
            .maxStringLength(1 << 20)
            .maxNameLength(1024)
            .build();

    // NaN/Infinity literals are accepted by the parser (Python's json module writes them) so that they are
    // reported as NON_FINITE with the index instead of as a syntax error.
    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(CONSTRAINTS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(int sizeHint, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }

    static void floatArray(JsonGenerator g, String field, float[] values) throws IOException {
        g.writeArrayFieldStart(field);
        for (float v : values) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }

    static void intArray(JsonGenerator g, String field, int[] values) throws IOException {
        g.writeFieldName(field);
        g.writeArray(values, 0, values.length);
    }

    static void doubleMap(JsonGenerator g, String field, Map<String, Double> map) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Double> e : map.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }
}
