package dev.distill.common.event;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Argument checks shared by the wire records; they throw {@link IllegalArgumentException} naming the field. */
final class Checks {
    private Checks() {}

    static String nonBlank(String value, String record, String field, int maxLength) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(record + "." + field + " must be a non-blank string");
        }
        if (value.length() > maxLength) {
            throw new IllegalArgumentException(record + "." + field + " is " + value.length()
                    + " characters long; at most " + maxLength + " allowed");
        }
        return value;
    }

    static long nonNegative(long value, String record, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(record + "." + field + " must be >= 0, got " + value);
        }
        return value;
    }

    static void finite(float[] values, String record, String field) {
        finite(values, 0, values.length, record, field);
    }

    /** As {@link #finite(float[], String, String)} over {@code values[offset, offset + count)}, indexed from offset. */
    static void finite(float[] values, int offset, int count, String record, String field) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(values[offset + i])) {
                throw new IllegalArgumentException(record + "." + field + "[" + i + "] is " + values[offset + i]
                        + "; values must be finite");
            }
        }
    }

    /** Copies into an unmodifiable sorted map so that iteration (and thus encoding) order is deterministic. */
    static Map<String, Double> finiteMetrics(Map<String, Double> metrics, String record, String field) {
        if (metrics == null) {
            return Collections.emptySortedMap();
        }
        TreeMap<String, Double> copy = new TreeMap<>();
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new IllegalArgumentException(record + "." + field + " has a blank metric name");
            }
            if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                throw new IllegalArgumentException(record + "." + field + "[" + e.getKey() + "] is "
                        + e.getValue() + "; metric values must be finite");
            }
            copy.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    static String preview(float[] values) {
        StringBuilder sb = new StringBuilder("[");
        int n = Math.min(values.length, 4);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(values[i]);
        }
        if (values.length > n) {
            sb.append(", ... (").append(values.length).append(" values)");
        }
        return sb.append(']').toString();
    }

    /** A JSON string literal; non-ASCII characters stay as they are (the result is encoded as UTF-8). */
    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
