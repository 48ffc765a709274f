package dev.distill.teacher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.common.event.TeacherLogits;
import dev.distill.teacher.TeacherMain;
import dev.distill.teacher.TeacherTestKit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

class TeacherFailoverIT {

    private static final int N = 4000;

    @Test
    void deliversExactlyOneLogitPerEventAcrossAKilledReplica() throws Exception {
        // Given a stream of events arriving while a replica runs in its own JVM
        TeacherTestKit kit = new TeacherTestKit("failover");
        List<String> args = kit.args(TeacherTestKit.torchScriptFixture(),
                // a stable id per replica slot, as in a StatefulSet: the successor aborts the dead one's transaction
                "teacher.transactional.id=failover-" + UUID.randomUUID(),
                "teacher.batch.max.size=16", "kafka.max.poll.records=16", "http.port=-1");
        Thread stream = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = kit.producer()) {
                for (int i = 0; i < N; i++) {
                    kit.send(producer, TeacherTestKit.event(i, System.currentTimeMillis()));
                    if (i % 4 == 3) {
                        Thread.sleep(10);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "failover-stream");
        stream.start();
        Path logs = Files.createTempDirectory("teacher-failover");
        Process first = replica(args, logs.resolve("first.log"));
        Process second = null;
        try (TeacherTestKit.Reader reader = kit.new Reader(kit.logits)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> reader.poll() >= 300 || !first.isAlive());
            assertThat(first.isAlive()).as("first replica alive; see %s", logs).isTrue();

            // When it is killed with SIGKILL mid-stream and a new replica takes over
            first.destroyForcibly().waitFor();
            int beforeKill = reader.records.size();
            second = replica(args, logs.resolve("second.log"));
            Process successor = second;
            stream.join(Duration.ofSeconds(60).toMillis());
            await().atMost(Duration.ofSeconds(120)).until(() -> reader.poll() >= N || !successor.isAlive());
            long quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < quietUntil) {
                reader.poll();
            }

            // Then every event has exactly one committed logits record: no duplicate, no gap
            List<String> keys = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : reader.records) {
                keys.add(new String(r.key(), StandardCharsets.UTF_8));
            }
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < N; i++) {
                expected.add("e-" + i);
            }
            assertThat(beforeKill).as("killed mid-stream").isLessThan(N);
            assertThat(keys).as("logs in %s", logs).doesNotHaveDuplicates().hasSize(N);
            assertThat(new HashSet<>(keys)).isEqualTo(expected);
            Map<String, TeacherLogits> logits = TeacherTestKit.byKey(reader.records);
            assertThat(logits.values()).allMatch(t -> t.teacherId().equals("teacher"));
        } finally {
            stream.interrupt();
            first.destroyForcibly();
            if (second != null) {
                second.destroy();
                second.waitFor();
            }
        }
    }

    private static Process replica(List<String> args, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-cp", System.getProperty("java.class.path"), TeacherMain.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

}
