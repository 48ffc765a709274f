package dev.distill.teacher.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TorchScriptTeacherTest {

    static Path fixture(String name) {
        try {
            return Path.of(TorchScriptTeacherTest.class.getResource("/torchscript/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void torchScriptFixtureReproducesThePythonLogits() throws Exception {
        // Given the traced MLP and the logits Python computed for three inputs
        JsonNode expected = new ObjectMapper().readTree(fixture("teacher-mlp-expected.json").toFile());
        int n = expected.get("inputs").size();
        float[] inputs = new float[n * 784];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 784; j++) {
                inputs[i * 784 + j] = (float) expected.get("inputs").get(i).get(j).asDouble();
            }
        }

        // When the teacher scores them as one batch
        try (TeacherModel model = TeacherModels.load(fixture("teacher-mlp.pt"),
                new TeacherModels.Spec(new int[] {28, 28}, 10, ""))) {
            float[][] logits = model.score(inputs, n);

            // Then every logit matches Python within 1e-5, and the version is the file's short SHA-256
            assertThat(logits).hasNumberOfRows(n);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 10; c++) {
                    assertThat(logits[i][c]).as("sample %d class %d", i, c)
                            .isCloseTo((float) expected.get("logits").get(i).get(c).asDouble(), within(1e-5f));
                }
            }
            assertThat(model.version()).hasSize(TeacherModels.VERSION_LENGTH)
                    .isEqualTo(TeacherModels.version(fixture("teacher-mlp.pt")));
        }
    }

    @Test
    void scoresTheSameSampleIdenticallyAloneAndInABatch() {
        try (TeacherModel model = TeacherModels.load(fixture("teacher-mlp.pt"),
                new TeacherModels.Spec(new int[] {28, 28}, 10, ""))) {
            float[] batch = new float[3 * 784];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = (i % 97) / 97f;
            }
            float[][] together = model.score(batch, 3);
            float[] second = java.util.Arrays.copyOfRange(batch, 784, 2 * 784);
            float[][] alone = model.score(second, 1);
            for (int c = 0; c < 10; c++) {
                assertThat(alone[0][c]).isCloseTo(together[1][c], within(1e-5f));
            }
        }
    }
}
