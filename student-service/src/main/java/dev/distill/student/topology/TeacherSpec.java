package dev.distill.student.topology;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An expected teacher and its weight, from one {@code student.teachers} entry {@code id} or {@code id:weight}.
 */
public record TeacherSpec(String teacherId, float weight) {

    public TeacherSpec {
        if (teacherId == null || teacherId.isBlank()) {
            throw new IllegalArgumentException("teacher id must be non-blank");
        }
        if (!Float.isFinite(weight) || weight <= 0f) {
            throw new IllegalArgumentException("teacher " + teacherId + ": weight must be finite and > 0, got " + weight);
        }
    }

    /**
     * Parses {@code student.teachers} entries.
     *
     * @throws IllegalArgumentException naming the bad entry
     */
    public static List<TeacherSpec> parse(List<String> entries) {
        List<TeacherSpec> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String raw : entries) {
            String entry = raw.trim();
            int colon = entry.lastIndexOf(':');
            String id = colon < 0 ? entry : entry.substring(0, colon).trim();
            float weight = 1f;
            if (colon >= 0) {
                try {
                    weight = Float.parseFloat(entry.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("teacher entry '" + raw + "': weight after ':' is not a number");
                }
            }
            TeacherSpec spec;
            try {
                spec = new TeacherSpec(id, weight);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("teacher entry '" + raw + "': " + e.getMessage(), e);
            }
            if (!seen.add(spec.teacherId())) {
                throw new IllegalArgumentException("teacher entry '" + raw + "': teacher " + id + " is listed twice");
            }
            out.add(spec);
        }
        return List.copyOf(out);
    }
}
