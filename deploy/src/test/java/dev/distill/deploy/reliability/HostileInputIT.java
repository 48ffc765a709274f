package dev.distill.deploy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.kafka.DeadLetters;
import dev.distill.common.metrics.MetricNames;
import dev.distill.deploy.reliability.HostileInputCorpus.Case;
import dev.distill.deploy.reliability.HostileInputCorpus.Outcome;
import dev.distill.deploy.reliability.HostileInputStack.KcatResult;
import dev.distill.student.topology.StudentJoinConfig;
import dev.distill.testsupport.KafkaFixture;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input, end to end: every record of the corpus in {@code src/test/resources/hostile/} is produced with kcat,
 * as an outside client would, between good records, to a running teacher and student. Every bad record must end as a
 * dead letter (original key and bytes, a reason header) or a counted, documented outcome; every good record must be
 * scored and trained; neither service may stop.
 */
class HostileInputIT {

    private static final int GOOD_BEFORE = 20;
    private static final int GOOD_AFTER = 20;
    private static final int TICKS = 5;

    @TempDir
    Path dir;

    @BeforeAll
    static void kcatIsInstalled() {
        HostileInputStack.assertKcatInstalled();
    }

    @Test
    void everyHostileRecordEndsAsADeadLetterOrACountedOutcomeWhileGoodRecordsAreAllTrained() throws Exception {
        // Given a teacher and a student on the shared broker, and the hostile corpus
        KafkaFixture kafka = KafkaFixture.shared();
        Map<String, String> settings = HostileInputStack.settings(kafka.bootstrapServers(), dir,
                HostileInputStack.untrainedTeacher(dir.resolve("teacher")));
        long now = System.currentTimeMillis();
        List<Case> cases = HostileInputCorpus.load(HostileInputCorpus.directory(), now);
        assertThat(cases).hasSizeGreaterThanOrEqualTo(30);
        Map<String, KcatResult> produced = new LinkedHashMap<>();
        List<String> goodIds = new ArrayList<>();

        try (HostileInputStack stack = HostileInputStack.start(settings)) {
            Map<String, String> topics = Map.of("events", stack.topic(DistillConfig.TOPIC_EVENTS),
                    "labels", stack.topic(DistillConfig.TOPIC_LABELS),
                    "logits", stack.topic(DistillConfig.TOPIC_TEACHER_LOGITS));

            // When good events, every hostile record, more good events and the good labels are produced with kcat
            goodIds.addAll(produceGood(stack, topics, "good-", 0, GOOD_BEFORE, now));
            for (Case c : cases) {
                produced.put(c.name(), produce(stack, topics.get(c.topic()), c));
            }
            goodIds.addAll(produceGood(stack, topics, "good-", GOOD_BEFORE, GOOD_AFTER, now));
            // labels for every good event, including good-0 which the duplicate-label case labels a second time
            produceLabels(stack, topics.get("labels"), goodIds);
            long lastHostileLabel = System.currentTimeMillis();

            // and, once the orphan hold (2 s of stream time) of the unknown label has passed, a few more good records
            // whose later timestamps move the join's stream time past it
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> labels(stack, "joined") >= goodIds.size());
            long wait = lastHostileLabel + 2_500 - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            List<String> ticks = produceGood(stack, topics, "tick-", 0, TICKS, System.currentTimeMillis());
            produceLabels(stack, topics.get("labels"), ticks);
            goodIds.addAll(ticks);

            // Then, once everything has settled: every good event trained twice (soft + labelled); the duplicated
            // and the odd-header events once (soft); the counted label outcomes and all dead letters are there
            long expectedExamples = 2L * goodIds.size() + count(cases, Outcome.DUPLICATE_EVENT)
                    + count(cases, Outcome.PROCESSED);
            int expectedDeadLetters = cases.stream().mapToInt(Case::deadLetterCopies).sum();
            Map<String, Object> client = stack.clientProperties();
            String deadLetterTopic = stack.topic(DistillConfig.TOPIC_DEAD_LETTER);
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stack.student.trainer().examplesTrained() >= expectedExamples
                            && labels(stack, "unknown") >= count(cases, Outcome.LABEL_UNKNOWN));
            // Both consumers read in offset order and commit dead letters in the transaction of their offsets, so
            // once the last good records are trained the dead letters of the hostile ones before them are visible.
            Thread.sleep(1_500); // nothing more may arrive

            List<ConsumerRecord<byte[], byte[]>> deadLetters = HostileInputStack.readAll(client, deadLetterTopic);
            List<ConsumerRecord<byte[], byte[]>> logits = HostileInputStack.readAll(client, topics.get("logits"));
            List<ConsumerRecord<byte[], byte[]>> events = HostileInputStack.readAll(client, topics.get("events"));
            Map<String, Long> examplesPerId = HostileInputStack.readAll(client,
                            stack.topic(StudentJoinConfig.EXAMPLES_TOPIC)).stream()
                    .collect(Collectors.groupingBy(HostileInputIT::key, Collectors.counting()));
            Map<String, Long> teacherLogitsPerId = logits.stream()
                    .filter(HostileInputIT::isTeacherLogits)
                    .collect(Collectors.groupingBy(HostileInputIT::key, Collectors.counting()));

            // the table: case | topic | expected | observed
            List<String[]> rows = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> unmatched = new ArrayList<>(deadLetters);
            for (Case c : cases) {
                String observed = observe(c, produced.get(c.name()), deadLetters, unmatched, events, teacherLogitsPerId,
                        examplesPerId, topics);
                rows.add(new String[] {c.name(), c.topic(), c.expected(), observed});
            }
            rows.add(new String[] {"(good records)", "events+labels", goodIds.size() + " events: logits x1 and 2 "
                    + "examples each", goodSummary(goodIds, teacherLogitsPerId, examplesPerId)});
            printTable(rows);

            for (String[] row : rows) {
                assertThat(row[3]).as("case %s (%s): expected %s", row[0], row[1], row[2]).startsWith("OK");
            }
            assertThat(unmatched).as("dead letters that match no hostile case").isEmpty();
            assertThat(deadLetters).hasSize(expectedDeadLetters);
            assertThat(stack.student.trainer().examplesTrained()).isEqualTo(expectedExamples);
            assertThat(labels(stack, "duplicate")).isEqualTo(count(cases, Outcome.LABEL_DUPLICATE));
            assertThat(labels(stack, "unknown")).isEqualTo(count(cases, Outcome.LABEL_UNKNOWN));
            assertThat(labels(stack, "joined")).isEqualTo(goodIds.size());
            assertThat(labels(stack, "expired")).isZero();
            // the teacher's own count of what it dead-lettered: one per bad event record
            long teacherDead = cases.stream().filter(c -> c.topic().equals("events")
                    && c.outcome() == Outcome.DEAD_LETTER).mapToLong(Case::repeat).sum();
            assertThat(counter(stack.teacher.registry(), MetricNames.TEACHER_EVENTS.meterName(), "outcome",
                    "dead_lettered")).isEqualTo(teacherDead);

            // and both services kept running throughout: no failure, no restart, Streams RUNNING, trainer alive
            assertThat(stack.teacher.isRunning()).isTrue();
            assertThat(stack.teacher.failure()).isEmpty();
            assertThat(stack.student.failure()).isEmpty();
            assertThat(stack.student.streamsState()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(stack.student.trainer().deadLettered()).isZero();
        }
    }

    private static String observe(Case c, KcatResult kcat, List<ConsumerRecord<byte[], byte[]>> deadLetters,
            List<ConsumerRecord<byte[], byte[]>> unmatched, List<ConsumerRecord<byte[], byte[]>> events,
            Map<String, Long> logitsPerId, Map<String, Long> examplesPerId, Map<String, String> topics) {
        List<ConsumerRecord<byte[], byte[]>> mine = deadLetters.stream()
                .filter(d -> Objects.equals(DeadLetters.header(d.headers(), DeadLetters.SOURCE_TOPIC),
                        topics.get(c.topic())))
                .filter(d -> Arrays.equals(d.key(), c.key() == null ? null : c.key().getBytes(StandardCharsets.UTF_8)))
                .filter(d -> Arrays.equals(d.value(), c.value()))
                .toList();
        unmatched.removeAll(mine);
        String reasons = mine.stream().map(d -> DeadLetters.header(d.headers(), DeadLetters.ERROR_REASON))
                .distinct().collect(Collectors.joining(","));
        String dl = mine.isEmpty() ? "no dead letter" : "dead letter " + reasons + " x" + mine.size();
        if (kcat.exitCode() != 0 && c.outcome() != Outcome.REFUSED_BY_BROKER) {
            return "FAIL: kcat exit " + kcat.exitCode() + ": " + kcat.output();
        }
        String id = idOf(c);
        long logits = id == null ? 0 : logitsPerId.getOrDefault(id, 0L);
        long examples = id == null ? 0 : examplesPerId.getOrDefault(id, 0L);
        boolean reasonOk = mine.stream().allMatch(d ->
                c.reason().equals(DeadLetters.header(d.headers(), DeadLetters.ERROR_REASON))
                        && DeadLetters.header(d.headers(), DeadLetters.ERROR_MESSAGE) != null);
        boolean ok = switch (c.outcome()) {
            case DEAD_LETTER -> mine.size() == c.deadLetterCopies() && reasonOk && logits == 0 && examples == 0;
            case STUDENT_DEAD_LETTER -> mine.size() == c.deadLetterCopies() && reasonOk && logits == c.repeat()
                    && examples == 0;
            case REFUSED_BY_BROKER -> kcat.exitCode() != 0 && mine.isEmpty()
                    && events.stream().noneMatch(e -> c.key().equals(key(e)));
            case DUPLICATE_EVENT -> mine.isEmpty() && logits == c.repeat() && examples == 1;
            case PROCESSED -> mine.isEmpty() && logits == 1 && examples == 1;
            case LABEL_DUPLICATE, LABEL_UNKNOWN -> mine.isEmpty(); // the counters are checked in total
        };
        String detail = switch (c.outcome()) {
            case REFUSED_BY_BROKER -> "kcat exit " + kcat.exitCode() + ": " + lastLine(kcat.output()) + "; "
                    + events.stream().filter(e -> c.key().equals(key(e))).count() + " in topic";
            case LABEL_DUPLICATE -> dl + "; counted as labels{outcome=duplicate}";
            case LABEL_UNKNOWN -> dl + "; counted as labels{outcome=unknown}";
            default -> dl + "; logits x" + logits + "; examples x" + examples;
        };
        return (ok ? "OK " : "FAIL ") + detail;
    }

    /** The event id a case's logits and examples would carry: the id inside the JSON, else the key. */
    private static String idOf(Case c) {
        if (!c.topic().equals("events") || c.value() == null) {
            return null;
        }
        String text = new String(c.value(), StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\{\"id\":\"([^\"]+)\"").matcher(text);
        return m.find() ? m.group(1) : c.key();
    }

    private static String goodSummary(List<String> ids, Map<String, Long> logits, Map<String, Long> examples) {
        List<String> wrong = ids.stream().filter(id -> logits.getOrDefault(id, 0L) != 1
                || examples.getOrDefault(id, 0L) != 2).toList();
        return (wrong.isEmpty() ? "OK " : "FAIL " + wrong + " ") + "logits x1 and 2 examples for "
                + (ids.size() - wrong.size()) + "/" + ids.size();
    }

    private static KcatResult produce(HostileInputStack stack, String topic, Case c) throws Exception {
        if (c.value() == null || c.value().length == 0) {
            // kcat sends no message for an empty file; an empty line after the key delimiter is an empty value,
            // which -Z turns into a null one
            List<String> args = new ArrayList<>(kcatProducer(stack, topic));
            args.add("-K:");
            args.addAll(c.headers().stream().flatMap(h -> java.util.stream.Stream.of("-H", h)).toList());
            if (c.value() == null) {
                args.add("-Z");
            }
            String line = Objects.requireNonNull(c.key(), c.name() + ": an empty value needs a key") + ":\n";
            return HostileInputStack.kcat(args, line.repeat(c.repeat()).getBytes(StandardCharsets.UTF_8));
        }
        Path file = Files.createTempFile("hostile-" + c.name() + "-", ".bin");
        try {
            Files.write(file, c.value());
            List<String> args = new ArrayList<>(kcatProducer(stack, topic));
            if (c.key() != null) {
                args.addAll(List.of("-k", c.key()));
            }
            for (String h : c.headers()) {
                args.addAll(List.of("-H", h));
            }
            for (int i = 0; i < c.repeat(); i++) {
                args.add(file.toString()); // one message per file argument
            }
            return HostileInputStack.kcat(args, null);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** kcat lets the broker judge sizes: its own default limit (1,000,000 bytes) would refuse first. */
    private static List<String> kcatProducer(HostileInputStack stack, String topic) {
        return List.of("-P", "-b", stack.settings.get(DistillConfig.BOOTSTRAP_SERVERS), "-t", topic,
                "-X", "message.max.bytes=4000000");
    }

    private static List<String> produceGood(HostileInputStack stack, Map<String, String> topics, String prefix,
            int from, int n, long timestamp) {
        StringBuilder lines = new StringBuilder();
        List<String> ids = new ArrayList<>();
        Random random = new Random(from + 31L * prefix.hashCode());
        for (int i = from; i < from + n; i++) {
            String id = prefix + i;
            ids.add(id);
            lines.append(id).append(":{\"id\":\"").append(id).append("\",\"timestamp\":").append(timestamp)
                    .append(",\"shape\":[28,28],\"features\":[");
            for (int j = 0; j < 784; j++) {
                lines.append(j == 0 ? "" : ",").append(random.nextInt(256) / 255f);
            }
            lines.append("]}\n");
        }
        List<String> args = new ArrayList<>(kcatProducer(stack, topics.get("events")));
        args.addAll(List.of("-K:", "-H", "distill-encoding=json"));
        KcatResult r = HostileInputStack.kcat(args, lines.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.exitCode()).as("kcat producing good events: " + r.output()).isZero();
        return ids;
    }

    private static void produceLabels(HostileInputStack stack, String topic, List<String> ids) {
        StringBuilder lines = new StringBuilder();
        long now = System.currentTimeMillis();
        for (String id : ids) {
            lines.append(id).append(":{\"label\":").append(Math.floorMod(id.hashCode(), 10)).append(",\"timestamp\":")
                    .append(now).append("}\n");
        }
        List<String> args = new ArrayList<>(kcatProducer(stack, topic));
        args.add("-K:");
        KcatResult r = HostileInputStack.kcat(args, lines.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.exitCode()).as("kcat producing good labels: " + r.output()).isZero();
    }

    /** Logits written by the teacher service (binary frames), not the hostile ones produced to the topic by kcat. */
    private static boolean isTeacherLogits(ConsumerRecord<byte[], byte[]> r) {
        byte[] v = r.value();
        return v != null && v.length > 2 && (v[0] & 0xff) == 0xD1 && (v[1] & 0xff) == 0x57;
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "(null)" : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static long count(List<Case> cases, Outcome outcome) {
        return cases.stream().filter(c -> c.outcome() == outcome).count();
    }

    private static double labels(HostileInputStack stack, String outcome) {
        return counter(stack.student.registry(), MetricNames.LABELS.meterName(), "outcome", outcome);
    }

    private static double counter(MeterRegistry registry, String name, String tag, String value) {
        Counter c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    private static String lastLine(String s) {
        String[] lines = s.split("\n");
        return lines[lines.length - 1];
    }

    private static void printTable(List<String[]> rows) {
        int[] width = new int[4];
        String[] head = {"case", "topic", "expected outcome", "observed"};
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(rows);
        for (String[] r : all) {
            for (int i = 0; i < 4; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder("\nhostile-input results\n");
        Function<String[], String> line = r -> String.format(Locale.ROOT, "| %-" + width[0] + "s | %-" + width[1]
                + "s | %-" + width[2] + "s | %-" + width[3] + "s |%n", (Object[]) r);
        out.append(line.apply(head));
        out.append("|").append("-".repeat(width[0] + 2)).append("|").append("-".repeat(width[1] + 2)).append("|")
                .append("-".repeat(width[2] + 2)).append("|").append("-".repeat(width[3] + 2)).append("|\n");
        rows.forEach(r -> out.append(line.apply(r)));
        System.out.print(out);
    }
}
