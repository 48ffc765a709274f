package dev.distill.student.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnlineStudentTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private static final StudentConfig CONFIG = new StudentConfig("mlp:784-128-10", 4f, 0.5f, 1e-3f, 64, 7);
    private static SyntheticStream data;

    @BeforeAll
    static void loadData() {
        data = new SyntheticStream(2000);
    }

    @Test
    void trainingReducesLossAndBeatsChanceOnHeldOutExamples() {
        try (OnlineStudent student = OnlineStudent.create(CONFIG, CLOCK)) {
            int trainExamples = 1500;
            SyntheticStream train = data;
            double firstLoss = 0;
            double lastLoss = 0;
            int stepsPerEpoch = trainExamples / 50;
            for (int epoch = 0; epoch < 6; epoch++) {
                double sum = 0;
                for (int b = 0; b < stepsPerEpoch; b++) {
                    sum += student.step(train.batch(b, 50, CONFIG.temperature())).loss();
                }
                if (epoch == 0) {
                    firstLoss = sum / stepsPerEpoch;
                }
                lastLoss = sum / stepsPerEpoch;
            }
            int[] predicted = student.predict(data.features(trainExamples, 500), 500);
            int correct = 0;
            for (int i = 0; i < 500; i++) {
                correct += predicted[i] == data.labels[trainExamples + i] ? 1 : 0;
            }

            assertThat(lastLoss).isLessThan(firstLoss * 0.7);
            assertThat(correct / 500.0).as("held-out accuracy (chance is 0.1)").isGreaterThan(0.6);
            assertThat(student.steps()).isEqualTo(6L * stepsPerEpoch);
        }
    }

    @Test
    void resumedStudentContinuesBitForBit(@TempDir Path dir) {
        int k = 25;
        int m = 25;
        CheckpointStore store = new CheckpointStore(dir, 2);
        byte[] p1;
        try (OnlineStudent original = OnlineStudent.create(CONFIG, CLOCK)) {
            for (int i = 0; i < k; i++) {
                original.step(data.batch(i, 64, CONFIG.temperature()));
            }
            store.save(original.checkpoint(Map.of("distill.joined-0", 1600L), Map.of("run", "test")));
            for (int i = k; i < k + m; i++) {
                original.step(data.batch(i, 64, CONFIG.temperature()));
            }
            p1 = original.parameterBytes();
        }

        StudentCheckpoint checkpoint = store.loadLatest().orElseThrow();
        byte[] p2;
        try (OnlineStudent resumed = OnlineStudent.resume(CONFIG, CLOCK, checkpoint)) {
            assertThat(resumed.steps()).isEqualTo(k);
            for (int i = k; i < k + m; i++) {
                resumed.step(data.batch(i, 64, CONFIG.temperature()));
            }
            p2 = resumed.parameterBytes();
            assertThat(resumed.steps()).isEqualTo(k + m);
        }

        assertThat(checkpoint.offsets()).containsEntry("distill.joined-0", 1600L);
        assertThat(p2).isEqualTo(p1);
    }

    @Test
    void resumeWithoutOptimizerStateWouldDiverge() {
        // Guards the resume test against passing trivially: a warm start (same parameters, fresh Adam) differs.
        byte[] afterK;
        byte[] continued;
        try (OnlineStudent original = OnlineStudent.create(CONFIG, CLOCK)) {
            for (int i = 0; i < 10; i++) {
                original.step(data.batch(i, 64, CONFIG.temperature()));
            }
            afterK = original.parameterBytes();
            original.step(data.batch(10, 64, CONFIG.temperature()));
            continued = original.parameterBytes();
        }
        try (OnlineStudent warm = OnlineStudent.warmStart(CONFIG, CLOCK, afterK)) {
            warm.step(data.batch(10, 64, CONFIG.temperature()));
            assertThat(warm.parameterBytes()).isNotEqualTo(continued);
        }
    }

    @Test
    void skipsABatchWithNaNFeaturesAndLeavesTheModelUnchanged() {
        try (OnlineStudent student = OnlineStudent.create(CONFIG, CLOCK)) {
            student.step(data.batch(0, 8, CONFIG.temperature()));
            byte[] before = student.parameterBytes();
            Batch good = data.batch(1, 8, CONFIG.temperature());
            float[] x = good.features();
            x[5] = Float.NaN;
            Batch poisoned = new Batch(8, x, good.softTargets(), good.hasSoft(), good.labels());

            assertThatThrownBy(() -> student.step(poisoned))
                    .isInstanceOf(NonFiniteLossException.class)
                    .hasMessageContaining("student step 2: loss is not finite");
            assertThat(student.parameterBytes()).isEqualTo(before);
            assertThat(student.steps()).isEqualTo(1);

            // Gradients of the skipped batch must not leak into the next step: it matches a student that never saw it.
            student.step(good);
            try (OnlineStudent clean = OnlineStudent.create(CONFIG, CLOCK)) {
                clean.step(data.batch(0, 8, CONFIG.temperature()));
                clean.step(good);
                assertThat(student.parameterBytes()).isEqualTo(clean.parameterBytes());
            }
        }
    }

    @Test
    void twoThousandStepsDoNotGrowTheNumberOfLiveArrays() {
        try (OnlineStudent student = OnlineStudent.create(CONFIG, CLOCK)) {
            Batch[] batches = new Batch[8];
            for (int i = 0; i < batches.length; i++) {
                batches[i] = data.batch(i, 64, CONFIG.temperature());
            }
            for (int i = 0; i < 50; i++) {
                student.step(batches[i % batches.length]);
                student.predict(data.features(0, 16), 16);
            }
            NDManager modelManager = student.model().getNDManager();
            NDManager root = root(modelManager);
            int modelArrays = modelManager.getManagedArrays().size();
            int allArrays = root.getManagedArrays().size();

            for (int i = 0; i < 2000; i++) {
                student.step(batches[i % batches.length]);
                if (i % 10 == 0) {
                    student.predict(data.features(0, 16), 16);
                }
            }

            assertThat(modelManager.getManagedArrays().size()).as("arrays under the model's manager")
                    .isEqualTo(modelArrays);
            assertThat(root.getManagedArrays().size()).as("arrays under the engine's root manager")
                    .isEqualTo(allArrays);
            // 4 Linear parameters + Adam's 2 moments each; nothing per step.
            assertThat(modelArrays).isEqualTo(4 + 8);
        }
    }

    private static NDManager root(NDManager manager) {
        NDManager m = manager;
        while (m.getParentManager() != null && m.getParentManager() != m) {
            m = m.getParentManager();
        }
        return m;
    }
}
