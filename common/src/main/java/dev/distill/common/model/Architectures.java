package dev.distill.common.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parses architecture spec strings. The known forms are listed in {@link #KNOWN_FORMS}. */
public final class Architectures {

    /** Upper bound for one MLP layer width; guards against typos such as {@code mlp:7840000-10}. */
    public static final int MAX_WIDTH = 65_536;

    /** Human-readable list of the accepted spec forms, used in error messages. */
    public static final String KNOWN_FORMS = "mlp:<in>-<hidden>...-<classes> (e.g. mlp:784-512-256-10), "
            + Arrays.stream(CnnArchitecture.Preset.values())
                    .map(p -> "cnn:" + p.specName())
                    .collect(Collectors.joining(", "));

    private Architectures() {}

    /**
     * Parses a spec such as {@code mlp:784-512-256-10}, {@code cnn:small} or {@code cnn:tiny}. Surrounding blanks and
     * letter case are ignored; {@link Architecture#spec()} returns the canonical form.
     *
     * @throws IllegalArgumentException naming the spec, what is wrong with it and the known forms
     */
    public static Architecture parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw error(spec, "spec is empty");
        }
        String s = spec.strip().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw error(spec, "missing '<family>:' prefix");
        }
        String family = s.substring(0, colon);
        String body = s.substring(colon + 1);
        switch (family) {
            case "mlp":
                return parseMlp(spec, body);
            case "cnn":
                for (CnnArchitecture.Preset preset : CnnArchitecture.Preset.values()) {
                    if (preset.specName().equals(body)) {
                        return new CnnArchitecture(preset);
                    }
                }
                throw error(spec, "unknown cnn preset '" + body + "'");
            default:
                throw error(spec, "unknown family '" + family + "'");
        }
    }

    private static Architecture parseMlp(String spec, String body) {
        String[] parts = body.split("-", -1);
        List<Integer> widths = new ArrayList<>(parts.length);
        for (String part : parts) {
            try {
                widths.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw error(spec, "mlp layer width '" + part + "' is not an integer");
            }
        }
        try {
            return new MlpArchitecture(widths);
        } catch (IllegalArgumentException e) {
            throw error(spec, e.getMessage());
        }
    }

    private static IllegalArgumentException error(String spec, String problem) {
        return new IllegalArgumentException(
                "architecture spec '" + spec + "': " + problem + "; known forms: " + KNOWN_FORMS);
    }
}
