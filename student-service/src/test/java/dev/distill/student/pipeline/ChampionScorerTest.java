package dev.distill.student.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.student.training.Batch;
import dev.distill.student.training.OnlineStudent;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChampionScorerTest {

    private static final Architecture ARCH = Architectures.parse("mlp:784-32-10");

    @Test
    void scoresOnlyTheLabelledRowsWithTheLastOfferedParameters() {
        // Given two published versions and a batch of 5 rows, 3 labelled
        int n = 5;
        int size = (int) ARCH.sampleSize();
        float[] features = new float[n * size];
        Random random = new Random(3);
        for (int i = 0; i < features.length; i++) {
            features[i] = random.nextFloat();
        }
        int[] labels = {2, Batch.NO_LABEL, 7, 0, Batch.NO_LABEL};
        int[] out = new int[n];
        try (Model v1 = Models.newModel(ARCH, "v1", 1); Model v2 = Models.newModel(ARCH, "v2", 2);
             ChampionScorer scorer = new ChampionScorer(ARCH)) {

            // When nothing was published yet, then nothing is scored
            scorer.score(features, labels, n, out);
            assertThat(out).containsOnly(-1);

            // When v1 and then v2 are offered before the next batch, then the batch is scored by v2 alone
            scorer.offer(Models.parameterBytes(v1));
            scorer.offer(Models.parameterBytes(v2));
            scorer.score(features, labels, n, out);

            int[] expected = OnlineStudent.argmax(Models.logits(v2, ARCH, features, n), n, ARCH.numClasses());
            assertThat(out).containsExactly(expected[0], -1, expected[2], expected[3], -1);
        }
    }
}
