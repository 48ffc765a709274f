package dev.distill.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Runs on the real PyTorch engine (natives from the pytorch-native-cpu jar, offline). */
class ModelsTest {

    private static float[] randomPixels(int batch, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[batch * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        return pixels;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp:784-512-256-10", "mlp:784-10", "cnn:small", "cnn:tiny"})
    void buildsBlockWhoseForwardPassGivesBatchOfLogits(String spec) {
        Architecture arch = Architectures.parse(spec);
        try (Model model = Models.newModel(arch, "t")) {
            float[] logits = Models.logits(model, arch, randomPixels(5, 1), 5);

            assertThat(logits).hasSize(5 * 10);
            assertThat(Models.countParameters(model.getBlock())).isEqualTo(arch.parameterCount());
            for (float v : logits) {
                assertThat(Float.isFinite(v)).isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp:784-128-10", "cnn:small"})
    void acceptsEventShapedBatchesOf28By28ThroughToModelInput(String spec) {
        Architecture arch = Architectures.parse(spec);
        try (Model model = Models.newModel(arch, "t");
                NDManager scope = model.getNDManager().newSubManager()) {
            NDArray events = scope.create(randomPixels(3, 2), new Shape(3, 28, 28));

            NDArray input = arch.toModelInput(events);
            NDList out = model.getBlock().forward(new ParameterStore(scope, false), new NDList(input), false);

            assertThat(input.getShape()).isEqualTo(arch.batchShape(3));
            assertThat(out.singletonOrThrow().getShape()).isEqualTo(new Shape(3, 10));
        }
    }

    @Test
    void toModelInputRejectsWrongSampleSizeAndMissingBatchAxis() {
        Architecture arch = Architectures.parse("cnn:tiny");
        try (NDManager scope = NDManager.newBaseManager("PyTorch")) {
            NDArray wrong = scope.zeros(new Shape(2, 783));
            NDArray single = scope.zeros(new Shape(784));

            assertThatThrownBy(() -> arch.toModelInput(wrong))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("each sample must hold 784 values")
                    .hasMessageContaining("got 783");
            assertThatThrownBy(() -> arch.toModelInput(single))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("add a batch axis");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp:784-256-10", "cnn:tiny", "cnn:small"})
    void savedParametersLoadIntoFreshModelWithIdenticalOutputsAndBytes(String spec) {
        Architecture arch = Architectures.parse(spec);
        float[] pixels = randomPixels(4, 3);
        try (Model original = Models.newModel(arch, "a")) {
            byte[] saved = Models.parameterBytes(original);
            try (Model restored = Models.loadModel(arch, "b", saved)) {
                assertThat(Models.logits(restored, arch, pixels, 4))
                        .containsExactly(Models.logits(original, arch, pixels, 4));
                assertThat(Models.parameterBytes(restored)).isEqualTo(saved);
                assertThat(Models.parameterBytes(original)).isEqualTo(saved);
            }
        }
    }

    @Test
    void seededModelsHaveIdenticalParameterBytes() {
        Architecture arch = Architectures.parse("mlp:784-32-10");
        try (Model a = Models.newModel(arch, "a", 42);
                Model b = Models.newModel(arch, "b", 42);
                Model c = Models.newModel(arch, "c", 43)) {
            assertThat(Models.parameterBytes(a)).isEqualTo(Models.parameterBytes(b));
            assertThat(Models.parameterBytes(a)).isNotEqualTo(Models.parameterBytes(c));
        }
    }

    @Test
    void rejectsParametersOfAnotherArchitectureWithTypedError() {
        Architecture small = Architectures.parse("mlp:784-64-10");
        Architecture other = Architectures.parse("mlp:784-32-10");
        byte[] saved;
        try (Model model = Models.newModel(small, "a")) {
            saved = Models.parameterBytes(model);
        }

        assertThatThrownBy(() -> Models.loadModel(other, "b", saved))
                .isInstanceOf(ParameterFormatException.class)
                .hasMessageContaining("mlp:784-32-10");
        assertThatThrownBy(() -> Models.loadModel(Architectures.parse("cnn:tiny"), "c", saved))
                .isInstanceOf(ParameterFormatException.class)
                .hasMessageContaining("cnn:tiny");
    }

    @Test
    void rejectsTruncatedParameterBytesWithTypedError() {
        Architecture arch = Architectures.parse("mlp:784-32-10");
        byte[] saved;
        try (Model model = Models.newModel(arch, "a")) {
            saved = Models.parameterBytes(model);
        }
        byte[] truncated = java.util.Arrays.copyOf(saved, saved.length - 100);

        assertThatThrownBy(() -> Models.loadModel(arch, "b", truncated))
                .isInstanceOf(ParameterFormatException.class)
                .hasMessageContaining("cannot load " + truncated.length + " parameter bytes");
    }

    @Test
    void logitsRejectsWrongInputLength() {
        Architecture arch = Architectures.parse("mlp:784-10");
        try (Model model = Models.newModel(arch, "a")) {
            assertThatThrownBy(() -> Models.logits(model, arch, new float[783], 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected 1 × 784 = 784 input values, got 783");
        }
    }
}
