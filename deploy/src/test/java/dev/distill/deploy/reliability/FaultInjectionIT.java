package dev.distill.deploy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.config.DistillConfig;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.student.StudentMain;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.student.pipeline.SigningKeys;
import dev.distill.student.pipeline.TrainingLedger;
import dev.distill.student.topology.StudentJoinConfig;
import dev.distill.teacher.TeacherMain;
import dev.distill.teacher.config.TeacherConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection against the real thing: a broker (embedded in this JVM, reached over TCP), two teacher replicas,
 * the student service and two edge agents, each in its own JVM, while a stream of events and delayed labels flows.
 * Four faults in sequence on one stream: {@code kill -9} of a teacher replica, {@code kill -9} of the student trainer,
 * a clean broker restart on the same log directory and port, and the update server going away (the student stopped
 * for a while, then started again) while the agents poll. After each fault the stream pauses, the services drain,
 * and the suite counts what a user relies on: one committed logits record per event per teacher, one soft and one
 * labelled example per event (the join), each committed example in exactly one range of the trainer's ledger,
 * strictly increasing checkpoint versions, and every agent on the newest version without a failed prediction.
 *
 * <p>Runs in the default {@code verify}. Alone: {@code mvn -pl deploy -am verify -Dgroups=fault-injection}. A run
 * that fails keeps its temp directory: the children's logs are in {@code logs/} there.
 */
@Tag("fault-injection")
class FaultInjectionIT {

    private static final int PARTITIONS = 2;
    private static final String TEACHER_ID = "teacher";
    private static final String TEACHER_ARCH = "mlp:784-32-10";
    private static final String STUDENT_ARCH = "mlp:784-16-10";
    private static final String MODEL = "fault-student";
    private static final int EVENTS_PER_SECOND = 50;
    /** Events that flow before a fault is injected and again after it, so every fault hits a running stream. */
    private static final int FLOW_EVENTS = 150;
    private static final Duration DRAIN = Duration.ofSeconds(120);

    private static final String EVENTS = "fi.events";
    private static final String LOGITS = "fi.teacher-logits";
    private static final String LABELS = "fi.labels";
    private static final String CHECKPOINTS = "fi.checkpoints";
    private static final String EXAMPLES = "fi.student.examples";

    // kept when the test fails: the children's logs are in it
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    private StreamDriver driver;
    private FaultAudit audit;
    private final List<ChildProcess> children = new ArrayList<>();
    private final List<Path> agentStatus = new ArrayList<>();
    private long streamStart;
    private int unplannedRestarts;
    private int phaseRestarts;

    @FunctionalInterface
    private interface Injection {
        void inject() throws Exception;
    }

    private record Row(String fault, double injectedAt, double drainedAfter, FaultAudit.Counts counts,
            int agentsOnNewest, int agents, long failedPredictions, long predictions, int unplannedRestarts) {}

    @Test
    void losesAndDuplicatesNothingAcrossKillsABrokerRestartAndAnUpdateServerOutage() throws Exception {
        long wallStart = System.nanoTime();
        Path logs = Files.createDirectories(work.resolve("logs"));
        List<Row> rows = new ArrayList<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().optLogDir(work.resolve("broker"))
                .optNumPartitions(PARTITIONS).build().start()) {
            // Given the broker, two teacher replicas, the student service and two edge agents, each in its own JVM
            String bootstrap = broker.bootstrapServers();
            createInputTopics(bootstrap);
            Path teacherModel = untrainedTeacher(work.resolve("teacher"));
            Path signingKey = work.resolve("student/keys/signing.pem");
            Path publicKey = signingKey.resolveSibling("signing.pem.pub");
            SigningKeys.loadOrCreate(signingKey, publicKey); // agents need the public key before the student runs
            // fixed, so agents find the update server again after it comes back
            int httpPort = EmbeddedKafkaBroker.freePort();

            ChildProcess teacher0 = child(new ChildProcess("teacher-0", TeacherMain.class,
                    teacherArgs(bootstrap, teacherModel, 0), "384m", logs));
            child(new ChildProcess("teacher-1", TeacherMain.class, teacherArgs(bootstrap, teacherModel, 1), "384m",
                    logs));
            ChildProcess student = child(new ChildProcess("student", StudentMain.class,
                    studentArgs(bootstrap, httpPort), "640m", logs));
            for (int i = 0; i < 2; i++) {
                Path status = work.resolve("agent-" + i + ".properties");
                agentStatus.add(status);
                child(new ChildProcess("agent-" + i, FaultEdgeAgentMain.class, List.of(
                        "--server=http://localhost:" + httpPort, "--model=" + MODEL, "--device-id=fault-edge-" + i,
                        "--public-key=" + publicKey, "--status-file=" + status), "256m", logs));
            }
            // teachers and student first, agents once they are up: less contention for the first start on 2 cores
            children.stream().filter(c -> !c.name().startsWith("agent")).forEach(ChildProcess::start);
            audit = new FaultAudit(bootstrap, TEACHER_ID, LOGITS, EXAMPLES, CHECKPOINTS,
                    work.resolve("student/checkpoints").resolve(TrainingLedger.FILE_NAME));
            // the stream starts once the student is ready, so a slow start-up does not pile up a backlog
            awaitStudentReady(httpPort);
            driver = new StreamDriver(bootstrap, EVENTS, LABELS, EVENTS_PER_SECOND, Duration.ofMillis(500));
            streamStart = System.nanoTime();
            driver.start();
            children.stream().filter(c -> c.name().startsWith("agent")).forEach(ChildProcess::start);
            awaitWarm();
            System.out.printf(Locale.ROOT, "fault-injection: warm after %.1f s (%d events), faults follow%n",
                    seconds(wallStart), driver.ackedEventCount());

            // When each fault hits the flowing stream, and the stream pauses afterwards so the services can drain
            rows.add(phase("kill -9 teacher replica", () -> {
                teacher0.kill9();
                teacher0.start(); // the same transactional.id: the successor aborts the dead one's transaction
            }));
            rows.add(phase("kill -9 student trainer", () -> {
                student.kill9();
                student.start();
            }));
            rows.add(phase("broker clean restart", () -> {
                broker.stop();
                awaitFlowing(Duration.ofSeconds(3)); // clients see the broker gone for a while
                broker.start();
            }));
            rows.add(phase("update server away", () -> {
                student.stop(Duration.ofSeconds(90));
                awaitFlowing(Duration.ofSeconds(6)); // agents poll a dead server and back off
                student.start();
            }));
        } finally {
            if (driver != null) {
                driver.close();
            }
            if (audit != null) {
                audit.close();
            }
            children.forEach(ChildProcess::close);
            if (!rows.isEmpty()) {
                System.out.print(table(rows));
            }
            System.out.printf(Locale.ROOT, "fault-injection: wall time %.1f s; logs in %s%n", seconds(wallStart),
                    work.resolve("logs"));
        }

        // Then no fault lost or duplicated anything, versions only increased, and every agent is on the newest
        assertThat(driver.sendErrors()).as("stream driver send errors: %s", driver.lastError()).isZero();
        assertThat(rows).hasSize(4);
        for (Row r : rows) {
            FaultAudit.Counts c = r.counts();
            assertThat(c.logitsLost()).as("%s: events without committed logits", r.fault()).isZero();
            assertThat(c.logitsDuplicated()).as("%s: duplicated logits", r.fault()).isZero();
            assertThat(c.joinedLost()).as("%s: events or labels without their joined example", r.fault()).isZero();
            assertThat(c.joinedDuplicated()).as("%s: duplicated joined examples", r.fault()).isZero();
            assertThat(c.trainedLost()).as("%s: committed examples outside the ledger", r.fault()).isZero();
            assertThat(c.trainedDuplicated()).as("%s: examples trained twice", r.fault()).isZero();
            assertThat(c.versionsIncrease()).as("%s: versions %s", r.fault(), c.versions()).isTrue();
            assertThat(r.agentsOnNewest()).as("%s: agents on v%d", r.fault(), c.newestVersion()).isEqualTo(r.agents());
            assertThat(r.failedPredictions()).as("%s: failed predictions", r.fault()).isZero();
            assertThat(r.predictions()).as("%s: agents kept predicting", r.fault()).isPositive();
        }
        assertThat(rows.get(rows.size() - 1).counts().newestVersion())
                .as("new versions were published after the faults")
                .isGreaterThan(rows.get(0).counts().newestVersion());
    }

    /** Until the student's {@code /ready} answers 200 (join RUNNING, trainer polling). */
    private void awaitStudentReady(int httpPort) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        boolean up = poll(Duration.ofSeconds(240), () -> {
            supervise();
            try {
                return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(up).as("student /ready within 240 s; logs in %s", work.resolve("logs")).isTrue();
    }

    /**
     * Until the student has published a version the agents can take (v0 is never applied) and both serve it.
     */
    private void awaitWarm() {
        boolean warm = poll(Duration.ofSeconds(240), () -> {
            supervise();
            audit.poll();
            FaultAudit.Counts c = audit.count(Set.of(), Set.of());
            return c.newestVersion() >= 1 && agentsOn(c.newestVersion()) == agentStatus.size();
        });
        assertThat(warm).as("warm-up: a published version served by every agent within 240 s; logs in %s",
                work.resolve("logs")).isTrue();
    }

    private Row phase(String fault, Injection injection) throws Exception {
        phaseRestarts = 0;
        driver.resume();
        awaitEvents(driver.ackedEventCount() + FLOW_EVENTS);
        double injectedAt = seconds(streamStart);
        long injected = System.nanoTime();
        System.out.printf(Locale.ROOT, "fault-injection: %s at %.1f s (%d events so far)%n", fault, injectedAt,
                driver.ackedEventCount());
        injection.inject();
        awaitEvents(driver.ackedEventCount() + FLOW_EVENTS);
        driver.pause();

        Set<String> events = driver.ackedEvents();
        Set<String> labelled = new HashSet<>(events); // every event's label is sent before pause() returns
        FaultAudit.Counts[] last = new FaultAudit.Counts[1];
        poll(DRAIN, () -> {
            supervise();
            audit.poll();
            last[0] = audit.count(events, labelled);
            return last[0].complete() && agentsOn(last[0].newestVersion()) == agentStatus.size();
        });
        double drainedAfter = seconds(injected);
        // one more look after a quiet moment: a late duplicate or a later version would show up here
        awaitFlowing(Duration.ofSeconds(1));
        audit.poll();
        FaultAudit.Counts counts = audit.count(events, labelled);
        long failed = 0;
        long predictions = 0;
        for (Path status : agentStatus) {
            Properties p = FaultEdgeAgentMain.read(status);
            failed += p == null ? 0 : Long.parseLong(p.getProperty("failed"));
            predictions += p == null ? 0 : Long.parseLong(p.getProperty("predictions"));
        }
        Row row = new Row(fault, injectedAt, drainedAfter, counts, agentsOn(counts.newestVersion()),
                agentStatus.size(), failed, predictions, phaseRestarts);
        System.out.printf(Locale.ROOT, "fault-injection: %s drained after %.1f s: %d events, %d examples, v%d newest, "
                + "%d agents on it, %d predictions%n", fault, drainedAfter, counts.events(), counts.examples(),
                counts.newestVersion(), row.agentsOnNewest(), predictions);
        return row;
    }

    /**
     * Restarts a child that exited on its own, as an orchestrator's restart policy would (seen: a start-up timeout
     * on an overloaded machine). Such exits are counted and shown in the table; more than a few fail the test.
     */
    private void supervise() {
        for (ChildProcess c : children) {
            if (c.hasExited() && ++unplannedRestarts > 6) {
                c.assertAlive(); // fails with the log's tail
            }
            if (c.restartIfExited()) {
                phaseRestarts++;
            }
        }
    }

    private int agentsOn(long version) {
        int on = 0;
        for (Path status : agentStatus) {
            Properties p = FaultEdgeAgentMain.read(status);
            if (p != null && Boolean.parseBoolean(p.getProperty("serving"))
                    && Long.parseLong(p.getProperty("version")) == version) {
                on++;
            }
        }
        return on;
    }

    private void awaitEvents(int count) {
        boolean flowed = poll(Duration.ofSeconds(120), () -> {
            supervise();
            return driver.ackedEventCount() >= count;
        });
        assertThat(flowed).as("stream reached %d acknowledged events (has %d; last error %s)", count,
                driver.ackedEventCount(), driver.lastError()).isTrue();
    }

    /** Lets the stream flow (or a fault last) for {@code d}. */
    private static void awaitFlowing(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        Awaitility.await().pollDelay(d).atMost(d.plusSeconds(5)).until(() -> System.nanoTime() >= until);
    }

    /** True once {@code condition} holds, false if it did not within {@code atMost} (the counts then say why). */
    private static boolean poll(Duration atMost, Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(condition);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    private ChildProcess child(ChildProcess c) {
        children.add(c);
        return c;
    }

    private static List<String> teacherArgs(String bootstrap, Path model, int slot) {
        Map<String, String> s = common(bootstrap);
        s.put(TeacherConfig.TEACHER_ID, TEACHER_ID);
        s.put(TeacherConfig.TEACHER_MODEL, model.toString());
        s.put(TeacherConfig.TEACHER_ARCHITECTURE, TEACHER_ARCH);
        // a stable id per replica slot, as in a StatefulSet, so a restarted replica aborts its predecessor's transaction
        s.put(TeacherConfig.TRANSACTIONAL_ID, "fault-teacher-" + slot);
        s.put(TeacherConfig.BATCH_MAX_SIZE, "32");
        s.put(DistillConfig.HTTP_PORT, "-1");
        return args(s);
    }

    private List<String> studentArgs(String bootstrap, int httpPort) {
        Map<String, String> s = common(bootstrap);
        s.put(StudentJoinConfig.EXAMPLES_TOPIC, EXAMPLES);
        s.put(StudentJoinConfig.APPLICATION_ID, "fault-student-join");
        // the soft example waits for the teacher through a failover instead of going out without logits
        s.put(StudentJoinConfig.JOIN_WINDOW_MS, "300000");
        s.put("kafka.state.dir", work.resolve("student/streams").toString());
        s.put("kafka.commit.interval.ms", "200");
        s.put(StudentServiceConfig.MODEL_NAME, MODEL);
        s.put(StudentServiceConfig.ARCHITECTURE, STUDENT_ARCH);
        s.put(StudentServiceConfig.BATCH_SIZE, "32");
        s.put(StudentServiceConfig.CHECKPOINT_DIR, work.resolve("student/checkpoints").toString());
        s.put(StudentServiceConfig.SIGNING_KEY, work.resolve("student/keys/signing.pem").toString());
        s.put(StudentServiceConfig.CHECKPOINT_EVERY_EXAMPLES, "400");
        s.put(StudentServiceConfig.CHECKPOINT_EVERY_MS, "1000");
        // every checkpoint publishes: the suite counts versions and delivery, not model quality
        s.put(StudentServiceConfig.GATE_EPSILON, "1.0");
        s.put(StudentServiceConfig.GATE_MIN_LABELS, "10");
        s.put(StudentServiceConfig.UPDATE_API_REFRESH_MS, "300");
        s.put(DistillConfig.HTTP_PORT, Integer.toString(httpPort));
        return args(s);
    }

    private static Map<String, String> common(String bootstrap) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(DistillConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(DistillConfig.TOPIC_EVENTS, EVENTS);
        s.put(DistillConfig.TOPIC_TEACHER_LOGITS, LOGITS);
        s.put(DistillConfig.TOPIC_LABELS, LABELS);
        s.put(DistillConfig.TOPIC_CHECKPOINTS, CHECKPOINTS);
        s.put(DistillConfig.TOPIC_EDGE_STATUS, "fi.edge-status");
        s.put(DistillConfig.TOPIC_DEAD_LETTER, "fi.dead-letter");
        s.put(DistillConfig.TOPIC_PARTITIONS, Integer.toString(PARTITIONS));
        // a killed member must leave its group in seconds, not the default 45 s
        s.put("kafka.session.timeout.ms", "6000");
        s.put("kafka.heartbeat.interval.ms", "1000");
        return s;
    }

    private static List<String> args(Map<String, String> settings) {
        List<String> out = new ArrayList<>();
        settings.forEach((k, v) -> {
            out.add("--set");
            out.add(k + "=" + v);
        });
        return out;
    }

    private static void createInputTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(EVENTS, PARTITIONS, (short) 1),
                    new NewTopic(LOGITS, PARTITIONS, (short) 1), new NewTopic(LABELS, PARTITIONS, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    /** An untrained registry teacher: the suite counts records, so its accuracy does not matter. */
    private static Path untrainedTeacher(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("teacher.params");
        try (Model model = Models.newModel(Architectures.parse(TEACHER_ARCH), "fault-teacher", 11)) {
            Files.write(file, Models.parameterBytes(model));
        }
        return file;
    }


    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    static String table(List<Row> rows) {
        String format = "%-24s | %8s | %7s | %6s | %6s | %6s | %6s | %6s | %7s | %7s | %-11s | %7s | %6s | %6s | %8s%n";
        StringBuilder sb = new StringBuilder("\n");
        sb.append(String.format(Locale.ROOT, format, "fault", "injected", "drained", "events", "logits", "logits",
                "joined", "joined", "trained", "trained", "versions", "newest", "agents", "failed", "unplanned"));
        sb.append(String.format(Locale.ROOT, format, "", "at", "after", "", "lost", "dup", "lost", "dup", "lost",
                "dup", "monotonic", "version", "newest", "predict", "restarts"));
        for (Row r : rows) {
            FaultAudit.Counts c = r.counts();
            sb.append(String.format(Locale.ROOT, format, r.fault(), String.format(Locale.ROOT, "%.1fs", r.injectedAt()),
                    String.format(Locale.ROOT, "%.1fs", r.drainedAfter()), c.events(), c.logitsLost(),
                    c.logitsDuplicated(), c.joinedLost(), c.joinedDuplicated(), c.trainedLost(), c.trainedDuplicated(),
                    c.versionsIncrease() ? "yes (" + c.versions().size() + ")" : "NO", "v" + c.newestVersion(),
                    r.agentsOnNewest() + "/" + r.agents(), r.failedPredictions(), r.unplannedRestarts()));
        }
        return sb.toString();
    }
}
