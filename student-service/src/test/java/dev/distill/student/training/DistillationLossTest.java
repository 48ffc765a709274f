package dev.distill.student.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.distill.common.model.Models;
import org.junit.jupiter.api.Test;

class DistillationLossTest {

    private static final int B = 3;
    private static final int C = 4;
    private static final double T = 2.0;
    private static final double ALPHA = 0.3;

    private static final float[] LOGITS = {1.5f, -0.5f, 0.25f, 2.0f, -1.0f, 0.0f, 3.0f, 0.5f, 0.1f, 0.2f, -0.3f, 1.1f};
    // Row 0: soft + label 3; row 1: soft only (a zero probability exercises 0·log 0); row 2: label 1 only.
    private static final float[] SOFT = {0.1f, 0.2f, 0.3f, 0.4f, 0.0f, 0.25f, 0.7f, 0.05f, 0.25f, 0.25f, 0.25f, 0.25f};
    private static final float[] SOFT_MASK = {1, 1, 0};
    private static final long[] LABELS = {3, 0, 1};
    private static final float[] HARD_MASK = {1, 0, 1};

    @Test
    void valueAndGradientMatchAHandComputationInDoubles() {
        double[] expectedGrad = new double[B * C];
        double[] expected = handComputation(expectedGrad);

        DistillationLoss loss = new DistillationLoss((float) T, (float) ALPHA);
        try (NDManager manager = Engine.getEngine(Models.ENGINE).newBaseManager()) {
            NDArray logits = manager.create(LOGITS, new Shape(B, C));
            logits.setRequiresGradient(true);
            NDList labels = new NDList(manager.create(SOFT, new Shape(B, C)), manager.create(SOFT_MASK),
                    manager.create(LABELS), manager.create(HARD_MASK));
            float soft;
            float hard;
            float total;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDList parts = loss.components(labels, new NDList(logits));
                NDArray value = loss.evaluate(labels, new NDList(logits));
                soft = parts.get(0).getFloat();
                hard = parts.get(1).getFloat();
                total = value.getFloat();
                collector.backward(value);
            }
            float[] grad = logits.getGradient().toFloatArray();

            assertThat((double) soft).isCloseTo(expected[0], within(1e-5));
            assertThat((double) hard).isCloseTo(expected[1], within(1e-5));
            assertThat((double) total).isCloseTo(expected[0] + expected[1], within(1e-5));
            for (int i = 0; i < B * C; i++) {
                assertThat((double) grad[i]).as("d loss / d logit %d", i).isCloseTo(expectedGrad[i], within(1e-5));
            }
        }
    }

    @Test
    void preparedHotPathMatchesTheHandComputationToo() {
        double[] expectedGrad = new double[B * C];
        double[] expected = handComputation(expectedGrad);
        boolean[] hasSoft = {true, true, false};
        int[] labels = {3, Batch.NO_LABEL, 1};

        DistillationLoss loss = new DistillationLoss((float) T, (float) ALPHA);
        DistillationLoss.PreparedTargets prepared = loss.prepare(B, C, SOFT, hasSoft, labels);
        try (NDManager manager = Engine.getEngine(Models.ENGINE).newBaseManager()) {
            NDArray logits = manager.create(LOGITS, new Shape(B, C));
            logits.setRequiresGradient(true);
            float soft;
            float hard;
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDList parts = loss.components(logits, manager.create(prepared.weightedSoft(), new Shape(B, C)),
                        manager.create(prepared.weightedHard(), new Shape(B, C)), prepared);
                soft = parts.get(0).getFloat();
                hard = parts.get(1).getFloat();
                collector.backward(parts.get(0).add(parts.get(1)));
            }
            float[] grad = logits.getGradient().toFloatArray();

            assertThat(prepared.softRows()).isEqualTo(2);
            assertThat(prepared.hardRows()).isEqualTo(2);
            assertThat((double) soft).isCloseTo(expected[0], within(1e-5));
            assertThat((double) hard).isCloseTo(expected[1], within(1e-5));
            for (int i = 0; i < B * C; i++) {
                assertThat((double) grad[i]).as("d loss / d logit %d", i).isCloseTo(expectedGrad[i], within(1e-5));
            }
        }
    }

    @Test
    void eachTermIsZeroWhenNoRowHasIt() {
        DistillationLoss loss = new DistillationLoss(4f, 0.5f);
        try (NDManager manager = Engine.getEngine(Models.ENGINE).newBaseManager()) {
            NDArray logits = manager.create(LOGITS, new Shape(B, C));
            NDList labels = new NDList(manager.zeros(new Shape(B, C)), manager.zeros(new Shape(B)),
                    manager.zeros(new Shape(B), DataType.INT64), manager.zeros(new Shape(B)));
            NDList parts = loss.components(labels, new NDList(logits));
            assertThat(parts.get(0).getFloat()).isZero();
            assertThat(parts.get(1).getFloat()).isZero();
        }
    }

    /** Returns {soft, hard} and fills {@code grad} with d(soft + hard)/d logits. */
    private static double[] handComputation(double[] grad) {
        double nSoft = 0;
        double nHard = 0;
        for (int i = 0; i < B; i++) {
            nSoft += SOFT_MASK[i];
            nHard += HARD_MASK[i];
        }
        double soft = 0;
        double hard = 0;
        for (int i = 0; i < B; i++) {
            double[] sT = new double[C];
            double[] s1 = new double[C];
            for (int c = 0; c < C; c++) {
                sT[c] = LOGITS[i * C + c] / T;
                s1[c] = LOGITS[i * C + c];
            }
            double[] qT = softmax(sT);
            double[] q1 = softmax(s1);
            if (SOFT_MASK[i] == 1) {
                double kl = 0;
                for (int c = 0; c < C; c++) {
                    double p = SOFT[i * C + c];
                    if (p > 0) {
                        kl += p * (Math.log(p) - Math.log(qT[c]));
                    }
                    // d/ds of T²·KL(p‖softmax(s/T)) = T·(q − p)
                    grad[i * C + c] += (1 - ALPHA) * T * T / nSoft * (qT[c] - p) / T;
                }
                soft += (1 - ALPHA) * T * T * kl / nSoft;
            }
            if (HARD_MASK[i] == 1) {
                int y = (int) LABELS[i];
                hard += ALPHA * -Math.log(q1[y]) / nHard;
                for (int c = 0; c < C; c++) {
                    grad[i * C + c] += ALPHA / nHard * (q1[c] - (c == y ? 1 : 0));
                }
            }
        }
        return new double[] {soft, hard};
    }

    private static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double z = 0;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.exp(x[i] - max);
            z += out[i];
        }
        for (int i = 0; i < x.length; i++) {
            out[i] /= z;
        }
        return out;
    }
}
