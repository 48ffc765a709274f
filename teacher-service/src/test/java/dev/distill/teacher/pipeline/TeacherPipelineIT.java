package dev.distill.teacher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.distill.common.event.Event;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.kafka.DeadLetters;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.teacher.TeacherMain;
import dev.distill.teacher.TeacherService;
import dev.distill.teacher.TeacherTestKit;
import dev.distill.teacher.inference.TeacherModel;
import dev.distill.teacher.inference.TeacherModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

class TeacherPipelineIT {

    private static final TeacherModels.Spec SPEC = new TeacherModels.Spec(new int[] {28, 28}, 10, "");

    @Test
    void deliversOneLogitPerEventMatchingTheModel() throws Exception {
        // Given 300 events on the events topic
        TeacherTestKit kit = new TeacherTestKit("one-logit");
        int n = 300;
        Map<String, Event> sent = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = kit.producer()) {
            for (int i = 0; i < n; i++) {
                Event e = TeacherTestKit.event(i, System.currentTimeMillis());
                sent.put(e.id(), e);
                kit.send(producer, e);
            }
        }

        // When a teacher runs on them
        try (TeacherService service = TeacherMain.run(kit.args(TeacherTestKit.torchScriptFixture(),
                        "teacher.id=t-one").toArray(String[]::new));
             TeacherTestKit.Reader reader = kit.new Reader(kit.logits);
             TeacherModel direct = TeacherModels.load(TeacherTestKit.torchScriptFixture(), SPEC)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> reader.poll() >= n);
            await().atMost(Duration.ofSeconds(10)).until(service::isReady);
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + service.httpPort() + "/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + service.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            reader.poll();

            // Then exactly one logits record per event, equal to the model's own output on that input
            Map<String, TeacherLogits> logits = TeacherTestKit.byKey(reader.records);
            assertThat(reader.records).hasSize(n);
            assertThat(logits.keySet()).isEqualTo(sent.keySet());
            for (Map.Entry<String, TeacherLogits> entry : logits.entrySet()) {
                TeacherLogits t = entry.getValue();
                assertThat(t.teacherId()).isEqualTo("t-one");
                assertThat(t.modelVersion()).isEqualTo(direct.version());
                float[] expected = direct.score(sent.get(entry.getKey()).features(), 1)[0];
                float[] actual = t.logits();
                for (int c = 0; c < expected.length; c++) {
                    assertThat(actual[c]).as("%s class %d", entry.getKey(), c).isCloseTo(expected[c], within(1e-5f));
                }
            }
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("distill_teacher_events_total").contains("distill_teacher_inference_seconds")
                    .contains("kafka_consumer");
        }
    }

    @Test
    void deadLettersBadEventsWithTheirReasonAndScoresAllGoodOnes() throws Exception {
        // Given good events interleaved with non-JSON, wrong-shape and NaN events
        TeacherTestKit kit = new TeacherTestKit("bad-events");
        int good = 0;
        List<String> badReasons = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = kit.producer()) {
            for (int i = 0; i < 60; i++) {
                switch (i % 6) {
                    case 1 -> {
                        kit.sendRaw(producer, "bad-json-" + i, "{not json".getBytes(StandardCharsets.UTF_8), Encoding.JSON);
                        badReasons.add("NOT_JSON");
                    }
                    case 3 -> {
                        Event wrong = new Event("bad-shape-" + i, 1L, new int[] {27, 28}, new float[27 * 28]);
                        kit.sendRaw(producer, wrong.id(), new EventCodec().encode(wrong, Encoding.JSON), Encoding.JSON);
                        badReasons.add("WRONG_SHAPE");
                    }
                    case 5 -> {
                        byte[] frame = new EventCodec().encode(TeacherTestKit.event(i, 1L), Encoding.BINARY);
                        // the features are the frame's last bytes: poison the last one
                        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putFloat(frame.length - 4, Float.NaN);
                        kit.sendRaw(producer, "bad-nan-" + i, frame, Encoding.BINARY);
                        badReasons.add("NON_FINITE");
                    }
                    default -> {
                        kit.send(producer, TeacherTestKit.event(i, 1L));
                        good++;
                    }
                }
            }
        }

        // When a teacher runs on them
        int expectedGood = good;
        try (TeacherService service = TeacherMain.run(kit.args(TeacherTestKit.torchScriptFixture()).toArray(String[]::new));
             TeacherTestKit.Reader logits = kit.new Reader(kit.logits);
             TeacherTestKit.Reader dead = kit.new Reader(kit.deadLetter)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> logits.poll() >= expectedGood
                    && dead.poll() >= badReasons.size());
            logits.poll();
            dead.poll();

            // Then the good ones are scored, and the bad ones are dead letters with reason and source headers
            assertThat(logits.records).hasSize(expectedGood);
            assertThat(TeacherTestKit.byKey(logits.records).keySet()).allMatch(k -> k.startsWith("e-"));
            assertThat(dead.records).hasSize(badReasons.size());
            List<String> reasons = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : dead.records) {
                reasons.add(DeadLetters.header(r.headers(), DeadLetters.ERROR_REASON));
                assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(kit.events);
                assertThat(DeadLetters.header(r.headers(), DeadLetters.ERROR_MESSAGE)).contains("offset");
            }
            assertThat(reasons).containsExactlyInAnyOrderElementsOf(badReasons);
            assertThat(service.isRunning()).isTrue();
        }
    }
}
