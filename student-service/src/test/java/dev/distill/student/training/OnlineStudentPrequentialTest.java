package dev.distill.student.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The step's own forward pass gives the prequential (test-then-train) prediction: no second forward needed. */
class OnlineStudentPrequentialTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final StudentConfig CONFIG = new StudentConfig("mlp:784-128-10", 4f, 0.5f, 1e-2f, 64, 11);

    @Test
    void stepReportsThePredictionOfTheParametersFromBeforeTheStep() {
        SyntheticStream data = new SyntheticStream(600);
        try (OnlineStudent student = OnlineStudent.create(CONFIG, CLOCK)) {
            for (int b = 0; b < 10; b++) {
                // Given the student's predictions for a batch before it trains on it
                Batch batch = data.batch(b, 50, CONFIG.temperature());
                int[] expected = student.predict(batch.features(), 50);

                // When it steps on that batch asking for the rows' top-1 classes
                int[] topBefore = new int[64];
                student.step(batch, topBefore);

                // Then they are the predictions from before the step
                assertThat(Arrays.copyOf(topBefore, 50)).containsExactly(expected);
            }
            assertThat(student.steps()).isEqualTo(10);
        }
    }
}
