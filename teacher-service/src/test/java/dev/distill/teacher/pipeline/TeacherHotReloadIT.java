package dev.distill.teacher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import ai.djl.Model;
import dev.distill.common.event.Event;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.teacher.TeacherMain;
import dev.distill.teacher.TeacherService;
import dev.distill.teacher.TeacherTestKit;
import dev.distill.teacher.inference.TeacherModel;
import dev.distill.teacher.inference.TeacherModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherHotReloadIT {

    private static final String SPEC = "mlp:784-32-10";
    private static final int N = 1500;

    @TempDir
    Path dir;

    @Test
    void scoresLaterEventsWithAReplacedModelAndEveryEventExactlyOnce() throws Exception {
        // Given a teacher running on DJL parameters of model A, checking its file every 200 ms
        Architecture architecture = Architectures.parse(SPEC);
        Path modelFile = dir.resolve("teacher.params");
        Path a = dir.resolve("a.bin");
        Path b = dir.resolve("b.bin");
        write(architecture, 1, a);
        write(architecture, 2, b);
        Files.copy(a, modelFile);
        TeacherModels.Spec spec = new TeacherModels.Spec(new int[] {28, 28}, 10, SPEC);
        TeacherTestKit kit = new TeacherTestKit("hot-reload");
        Map<String, Event> sent = new ConcurrentHashMap<>();
        Thread stream = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = kit.producer()) {
                for (int i = 0; i < N; i++) {
                    Event e = TeacherTestKit.event(i, System.currentTimeMillis());
                    sent.put(e.id(), e);
                    kit.send(producer, e);
                    if (i % 5 == 4) {
                        Thread.sleep(10);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hot-reload-stream");

        try (TeacherModel modelA = TeacherModels.load(a, spec);
             TeacherModel modelB = TeacherModels.load(b, spec);
             TeacherService service = TeacherMain.run(kit.args(modelFile, "teacher.architecture=" + SPEC,
                     "teacher.model.check.interval.ms=200").toArray(String[]::new));
             TeacherTestKit.Reader reader = kit.new Reader(kit.logits)) {
            assertThat(service.modelVersion()).isEqualTo(modelA.version());
            stream.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> reader.poll() >= 200);

            // When the model file is replaced (atomically) mid-stream
            Path tmp = dir.resolve("teacher.params.tmp");
            Files.copy(b, tmp);
            Files.move(tmp, modelFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            stream.join(Duration.ofSeconds(60).toMillis());
            await().atMost(Duration.ofSeconds(60)).until(() -> reader.poll() >= N);
            reader.poll();

            // Then every event is scored once, later ones by B, each by exactly the model its record names
            Map<String, TeacherLogits> logits = TeacherTestKit.byKey(reader.records);
            assertThat(reader.records).hasSize(N);
            assertThat(logits).hasSize(N);
            assertThat(service.modelVersion()).isEqualTo(modelB.version());
            assertThat(logits.get("e-" + (N - 1)).modelVersion()).isEqualTo(modelB.version());
            Map<String, Integer> perVersion = new HashMap<>();
            Map<String, TeacherModel> byVersion = Map.of(modelA.version(), modelA, modelB.version(), modelB);
            for (Map.Entry<String, TeacherLogits> entry : logits.entrySet()) {
                TeacherLogits t = entry.getValue();
                perVersion.merge(t.modelVersion(), 1, Integer::sum);
                float[] expected = byVersion.get(t.modelVersion()).score(sent.get(entry.getKey()).features(), 1)[0];
                float[] actual = t.logits();
                for (int c = 0; c < expected.length; c++) {
                    assertThat(actual[c]).isCloseTo(expected[c], within(1e-5f));
                }
            }
            assertThat(perVersion.keySet()).containsExactlyInAnyOrder(modelA.version(), modelB.version());
            assertThat(service.registry().get("distill.teacher.model.reloads").tag("outcome", "swapped")
                    .counter().count()).isEqualTo(1.0);
        } finally {
            stream.interrupt();
        }
    }

    private static void write(Architecture architecture, int seed, Path file) throws Exception {
        try (Model model = Models.newModel(architecture, "m" + seed, seed)) {
            Files.write(file, Models.parameterBytes(model));
        }
    }

}
