package dev.distill.student.http;

import java.util.Optional;

/** One satisfiable byte range of a representation, from a {@code Range: bytes=...} header (RFC 9110 §14). */
record ByteRange(long first, long last) {

    long length() {
        return last - first + 1;
    }

    /** Thrown for a syntactically valid range that lies outside the representation (answered with 416). */
    static final class Unsatisfiable extends Exception {
        private static final long serialVersionUID = 1L;

        Unsatisfiable(String message) {
            super(message);
        }
    }

    /**
     * The single range asked for, or empty when the header is absent, not a bytes range or asks for several ranges
     * (then the whole representation is sent with 200, which RFC 9110 allows).
     */
    static Optional<ByteRange> parse(String header, long size) throws Unsatisfiable {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.strip();
        if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
            return Optional.empty();
        }
        String spec = h.substring("bytes=".length()).strip();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        try {
            String a = spec.substring(0, dash).strip();
            String b = spec.substring(dash + 1).strip();
            if (a.isEmpty()) { // suffix: the last n bytes
                long n = Long.parseLong(b);
                if (n <= 0 || size == 0) {
                    throw new Unsatisfiable("suffix range of " + n + " bytes on a " + size + "-byte representation");
                }
                return Optional.of(new ByteRange(Math.max(0, size - n), size - 1));
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (first < 0 || (!b.isEmpty() && Long.parseLong(b) < first)) {
                return Optional.empty();
            }
            if (first >= size) {
                throw new Unsatisfiable("range starts at byte " + first + " of a " + size + "-byte representation");
            }
            return Optional.of(new ByteRange(first, last));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
