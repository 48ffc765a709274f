package dev.distill.teacher.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Model;
import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.FashionMnist;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.data.Split;
import dev.distill.common.model.Models;
import dev.distill.common.signing.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherTrainerTest {

    @TempDir
    Path out;

    @Test
    void smallMlpLearnsFashionMnistAndSavedFilesReproduceItsAccuracy() {
        Path data = FashionMnist.resolveDir(null, System.getenv());
        assumeTrue(Files.isDirectory(data), "Fashion-MNIST not installed at " + data);
        LabelledImages train = FashionMnist.load(data, Split.TRAIN);
        LabelledImages test = FashionMnist.load(data, Split.TEST);

        // Given a quick run: 3000 examples, one epoch
        TeacherTrainingOptions options = TeacherTrainingOptions.defaults()
                .withArchitecture("mlp:784-64-10")
                .withEpochs(1)
                .withMaxTrainExamples(3000)
                .withBatchSize(32)
                .withOutputDir(out)
                .withProgressInterval(Duration.ofMillis(200));
        List<TrainingProgress> progress = new ArrayList<>();

        // When it trains
        TeacherTrainingResult result = new TeacherTrainer(options, Clock.systemUTC(), progress::add).train(train, test);

        // Then it is far above chance on clean data, reports drifted accuracy, and shows progress
        assertThat(result.trainExamples()).isEqualTo(3000);
        assertThat(result.cleanTestAccuracy()).isGreaterThan(0.6);
        assertThat(result.driftedTestAccuracy()).isBetween(0.1, result.cleanTestAccuracy());
        assertThat(result.epochSeconds()).hasSize(1);
        assertThat(result.summaryLine()).startsWith("train-teacher arch=mlp:784-64-10 epochs=1 train_examples=3000 ");
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1).line()).startsWith("epoch 1/1 batch 94/94");

        // And the saved files load back into a model with exactly the same accuracy
        TeacherArtifact artifact = TeacherArtifact.read(out);
        assertThat(artifact.metadata().architecture()).isEqualTo("mlp:784-64-10");
        assertThat(artifact.metadata().parametersSha256()).isEqualTo(result.parametersSha256());
        assertThat(artifact.metadata().cleanTestAccuracy()).isEqualTo(result.cleanTestAccuracy());
        try (Model loaded = Models.loadModel(artifact.architecture(), "reloaded", artifact.parameters())) {
            assertThat(Models.accuracy(loaded, artifact.architecture(), test))
                    .isEqualTo(result.cleanTestAccuracy());
            assertThat(Models.accuracy(loaded, artifact.architecture(),
                    DriftScenario.defaultScenario().applyTo(test))).isEqualTo(result.driftedTestAccuracy());
        }
    }

    @Test
    void tamperedParametersAreRejectedOnRead() throws Exception {
        TeacherMetadata metadata = new TeacherMetadata("mlp:784-10", 1, 32, 1e-3f, 1, 0, 10, 0.5, 0.4,
                DriftScenario.DEFAULT_NAME, DriftScenario.DEFAULT_SEED, 1.0, 3,
                Sha256.hex(new byte[] {1, 2, 3}), "2026-01-01T00:00:00Z");
        new TeacherArtifact(metadata, new byte[] {1, 2, 3}).write(out);
        Files.write(out.resolve(TeacherArtifact.PARAMS_FILE), new byte[] {1, 2, 4});

        assertThatThrownBy(() -> TeacherArtifact.read(out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("do not belong together");
    }

    @Test
    void commandLineOptionsOverrideDefaultsAndBadValuesNameTheOption() {
        TeacherTrainingOptions o = TrainTeacherMain.parse(new String[] {"--architecture", "cnn:tiny", "--epochs=2",
            "--max-examples", "500", "--augment-fraction", "0.5", "--drift", "rotate", "--output", "/tmp/x"},
                TeacherTrainingOptions.defaults());

        assertThat(o.architecture()).isEqualTo("cnn:tiny");
        assertThat(o.epochs()).isEqualTo(2);
        assertThat(o.maxTrainExamples()).isEqualTo(500);
        assertThat(o.augmentFraction()).isEqualTo(0.5);
        assertThat(o.drift().name()).isEqualTo("rotate");
        assertThat(o.outputDir()).isEqualTo(Path.of("/tmp/x"));
        assertThatThrownBy(() -> TrainTeacherMain.parse(new String[] {"--epochs", "zero"},
                TeacherTrainingOptions.defaults())).hasMessageContaining("--epochs");
        assertThatThrownBy(() -> TrainTeacherMain.parse(new String[] {"--augment-fraction", "2"},
                TeacherTrainingOptions.defaults())).hasMessageContaining("augmentation fraction");
    }
}
