package dev.distill.student.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.event.Label;
import dev.distill.student.example.TeacherOutput;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.training.TeacherEnsemble;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fetcher's soft targets are bit for bit those of {@link TeacherEnsemble}, which the trainer used before. */
class ExampleFetcherTest {

    private static final int CLASSES = 10;
    private static final float T = 4f;

    @Test
    void foldsOneTeacherExactlyAsTheEnsembleDoes() {
        Random random = new Random(3);
        for (int k = 0; k < 500; k++) {
            // Given an example with one teacher of any positive weight and wide-ranging logits
            TeacherOutput teacher = new TeacherOutput("t", "v", 0.1f + 3 * random.nextFloat(), logits(random));
            TrainingExample e = TrainingExample.soft("e-1", 1L, 0, 0L, List.of(teacher));

            // When the fetcher folds it into a batch row
            float[] row = new float[3 * CLASSES];
            boolean present = ExampleFetcher.softTarget(e.teachers(), T, CLASSES, row, CLASSES);

            // Then the row equals the ensemble's distribution exactly
            assertThat(present).isTrue();
            float[] expected = ensemble(e);
            for (int c = 0; c < CLASSES; c++) {
                assertThat(row[CLASSES + c]).isEqualTo(expected[c]);
            }
        }
    }

    @Test
    void foldsSeveralTeachersThroughTheEnsemble() {
        Random random = new Random(5);
        TrainingExample e = TrainingExample.soft("e-1", 1L, 0, 0L, List.of(new TeacherOutput("a", "v", 1f, logits(random)),
                new TeacherOutput("b", "v", 3f, logits(random))));
        float[] row = new float[CLASSES];
        assertThat(ExampleFetcher.softTarget(e.teachers(), T, CLASSES, row, 0)).isTrue();
        assertThat(row).containsExactly(ensemble(e));
    }

    @Test
    void reportsARowWithoutTeachersAsHavingNoSoftTarget() {
        float[] row = new float[CLASSES];
        row[2] = 9f;
        TrainingExample labelOnly = TrainingExample.labelled("e-1", 1L, 0, 0L, List.of(), new Label(3, 2L));
        assertThat(ExampleFetcher.softTarget(labelOnly.teachers(), T, CLASSES, row, 0)).isFalse();
        assertThat(row).containsOnly(0f);
    }

    private static float[] ensemble(TrainingExample e) {
        Map<String, Double> weights = new HashMap<>();
        Map<String, float[]> logits = new HashMap<>();
        for (TeacherOutput t : e.teachers()) {
            weights.put(t.teacherId(), (double) t.weight());
            logits.put(t.teacherId(), t.logits());
        }
        return new TeacherEnsemble(weights, 0.0, T, CLASSES).combine(logits);
    }

    private static float[] logits(Random random) {
        float[] l = new float[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            l[c] = (random.nextFloat() - 0.5f) * (random.nextBoolean() ? 40f : 4f);
        }
        return l;
    }
}
