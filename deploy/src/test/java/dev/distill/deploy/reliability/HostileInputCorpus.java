package dev.distill.deploy.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The {@code *.case} files under {@code src/test/resources/hostile/} (format in that folder's README.md). */
final class HostileInputCorpus {

    /** Outcomes a case file may declare. */
    enum Outcome {
        DEAD_LETTER, STUDENT_DEAD_LETTER, REFUSED_BY_BROKER, DUPLICATE_EVENT, LABEL_DUPLICATE, LABEL_UNKNOWN, PROCESSED;

        static Outcome parse(String s, String file) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": unknown outcome '" + s + "'", e);
            }
        }
    }

    /**
     * One hostile record.
     *
     * @param key    null = no key
     * @param value  null = a null value (tombstone)
     * @param reason the dead letters' {@code distill.error.reason}, or "" when the outcome is no dead letter
     */
    record Case(String name, String title, String topic, String key, List<String> headers, int repeat,
                Outcome outcome, String reason, byte[] value) {

        String expected() {
            return switch (outcome) {
                case DEAD_LETTER -> "dead letter " + reason + " x" + deadLetterCopies()
                        + (topic.equals("events") ? " (teacher + join)" : " (join)");
                case STUDENT_DEAD_LETTER -> "logits x1; dead letter " + reason + " x1 (join)";
                case REFUSED_BY_BROKER -> "refused by broker at produce";
                case DUPLICATE_EVENT -> "logits x" + repeat + "; 1 example";
                case LABEL_DUPLICATE -> "labels{outcome=duplicate} +1";
                case LABEL_UNKNOWN -> "labels{outcome=unknown} +1";
                case PROCESSED -> "logits x1; 1 example";
            };
        }

        /** Dead letters this case must leave: one per consumer of its topic that cannot process it. */
        int deadLetterCopies() {
            return switch (outcome) {
                case DEAD_LETTER -> repeat * (topic.equals("events") ? 2 : 1);
                case STUDENT_DEAD_LETTER -> repeat;
                default -> 0;
            };
        }
    }

    private static final Pattern FEATURES = Pattern.compile("\\{\\{FEATURES:(\\d+)}}");
    private static final Pattern PAD = Pattern.compile("\\{\\{PAD:(\\d+)}}");

    private HostileInputCorpus() {}

    static Path directory() {
        try {
            return Path.of(HostileInputCorpus.class.getResource("/hostile").toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource folder /hostile is missing from the test classpath", e);
        }
    }

    /** Every case in {@code dir}, sorted by file name, with {@code {{NOW}}} set to {@code now}. */
    static List<Case> load(Path dir, long now) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Case> cases = new ArrayList<>();
            for (Path f : files.filter(p -> p.toString().endsWith(".case")).sorted().toList()) {
                cases.add(parse(f, now));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Case parse(Path file, long now) throws IOException {
        String name = file.getFileName().toString().replaceFirst("\\.case$", "");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String title = null;
        String topic = null;
        String key = null;
        String expect = null;
        String body = null;
        int repeat = 1;
        List<String> headers = new ArrayList<>();
        int i = 0;
        for (; i < lines.size() && body == null; i++) {
            String line = lines.get(i);
            if (!line.startsWith("# ") || line.indexOf(':') < 0) {
                throw new IllegalArgumentException(name + " line " + (i + 1) + ": expected '# name: value', got "
                        + line);
            }
            String field = line.substring(2, line.indexOf(':')).strip();
            String value = line.substring(line.indexOf(':') + 1).strip();
            switch (field) {
                case "case" -> title = value;
                case "topic" -> topic = value;
                case "key" -> key = value.equals("(null)") ? null : value;
                case "header" -> headers.add(value);
                case "repeat" -> repeat = Integer.parseInt(value);
                case "expect" -> expect = value;
                case "body" -> body = value;
                default -> throw new IllegalArgumentException(name + " line " + (i + 1) + ": unknown field " + field);
            }
        }
        if (title == null || topic == null || expect == null || body == null) {
            throw new IllegalArgumentException(name + ": needs case, topic, expect and body lines");
        }
        String rest = String.join("\n", lines.subList(i, lines.size()));
        byte[] value = switch (body) {
            case "text" -> expand(rest, now).getBytes(StandardCharsets.UTF_8);
            case "hex" -> HexFormat.of().parseHex(rest.replaceAll("\\s+", ""));
            case "empty" -> new byte[0];
            case "null" -> null;
            default -> throw new IllegalArgumentException(name + ": unknown body kind " + body);
        };
        String[] e = expect.split("\\s+", 2);
        return new Case(name, title, topic, key, List.copyOf(headers), repeat, Outcome.parse(e[0], name),
                e.length > 1 ? e[1] : "", value);
    }

    private static String expand(String text, long now) {
        String s = text.replace("{{NOW}}", Long.toString(now));
        s = replaceAll(FEATURES, s, n -> {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < n; k++) {
                b.append(k == 0 ? "" : ",").append((k % 7) / 7.0f);
            }
            return b.toString();
        });
        return replaceAll(PAD, s, n -> "x".repeat(n));
    }

    private static String replaceAll(Pattern p, String s, java.util.function.IntFunction<String> f) {
        Matcher m = p.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(f.apply(Integer.parseInt(m.group(1)))));
        }
        m.appendTail(out);
        return out.toString();
    }
}
