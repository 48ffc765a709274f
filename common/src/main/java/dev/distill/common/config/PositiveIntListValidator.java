package dev.distill.common.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Accepts a comma-separated list of positive integers such as {@code 28,28} or {@code 1,28,28}. */
public final class PositiveIntListValidator implements ConfigDef.Validator {

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null) {
            throw new ConfigException(name, null, "expected " + this);
        }
        try {
            parse(value.toString());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, e.getMessage() + "; expected " + this);
        }
    }

    /** Parses {@code "28, 28"} into {@code [28, 28]}; throws IllegalArgumentException naming the bad element. */
    public static int[] parse(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("the list is empty");
        }
        String[] parts = trimmed.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            int n;
            try {
                n = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("element " + (i + 1) + " '" + part + "' is not an integer", e);
            }
            if (n <= 0) {
                throw new IllegalArgumentException("element " + (i + 1) + " is " + n + ", not positive");
            }
            out[i] = n;
        }
        return out;
    }

    @Override
    public String toString() {
        return "a comma-separated list of positive integers, e.g. 28,28";
    }
}
