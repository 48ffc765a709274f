package dev.distill.common.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8ArtifactTest {

    @Test
    void int8ArtifactIsAtLeast3point5TimesSmallerAndPredictsAlmostTheSame() {
        Architecture arch = Architectures.parse("mlp:784-16-10");
        try (Model model = Models.newModel(arch, "fp32", 42)) {
            byte[] full = Models.parameterBytes(model);

            byte[] int8 = Int8Artifact.quantize(arch, full);

            assertThat((double) full.length / int8.length).isGreaterThanOrEqualTo(3.5);
            float[] input = new float[784 * 4];
            Random random = new Random(1);
            for (int i = 0; i < input.length; i++) {
                input[i] = random.nextFloat();
            }
            float[] expected = Models.logits(model, arch, input, 4);
            try (Model quantized = Int8Artifact.loadModel(arch, "int8", int8)) {
                float[] actual = Models.logits(quantized, arch, input, 4);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(0.05f));
                }
            }
        }
    }
}
