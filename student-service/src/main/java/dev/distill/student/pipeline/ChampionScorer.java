package dev.distill.student.pipeline;

import ai.djl.Model;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Models;
import dev.distill.student.training.Batch;
import dev.distill.student.training.OnlineStudent;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores the labelled rows of each batch with the champion, the last version published, before the candidate trains
 * on them, so that the {@link PublishGate} can compare the two on the same examples. Runs on the fetch thread, off
 * the training thread: a forward pass over the labelled rows only, on a model of its own (PyTorch's grad mode is
 * per thread, so it never joins the trainer's graph). The {@link CheckpointWriter} {@link #offer}s each newly
 * published version's parameters; the next batch loads them.
 */
final class ChampionScorer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChampionScorer.class);

    private final Architecture architecture;
    private final AtomicReference<byte[]> offered = new AtomicReference<>();
    private Model model; // fetch thread only
    private float[] rows = new float[0];

    ChampionScorer(Architecture architecture) {
        this.architecture = architecture;
    }

    /** Any thread: the parameters of the version just published; the next {@link #score} uses them. */
    void offer(byte[] parameters) {
        offered.set(parameters);
    }

    /**
     * Writes into {@code out[0, n)} the champion's top-1 for each row whose label is not {@link Batch#NO_LABEL}, and
     * -1 for the others, or for all when nothing has been published yet.
     *
     * @param features {@code n} rows of {@code architecture.sampleSize()} values
     */
    void score(float[] features, int[] labels, int n, int[] out) {
        Arrays.fill(out, 0, n, -1);
        loadOffered();
        if (model == null) {
            return;
        }
        int size = (int) architecture.sampleSize();
        int labelled = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i] != Batch.NO_LABEL) {
                labelled++;
            }
        }
        if (labelled == 0) {
            return;
        }
        if (rows.length != labelled * size) {
            rows = new float[labelled * size]; // Models.logits wants exactly the rows it scores
        }
        for (int i = 0, r = 0; i < n; i++) {
            if (labels[i] != Batch.NO_LABEL) {
                System.arraycopy(features, i * size, rows, r++ * size, size);
            }
        }
        int[] top = OnlineStudent.argmax(Models.logits(model, architecture, rows, labelled), labelled,
                architecture.numClasses());
        for (int i = 0, r = 0; i < n; i++) {
            if (labels[i] != Batch.NO_LABEL) {
                out[i] = top[r++];
            }
        }
    }

    private void loadOffered() {
        byte[] parameters = offered.getAndSet(null);
        if (parameters == null) {
            return;
        }
        try {
            Model loaded = Models.loadModel(architecture, "champion", parameters);
            close();
            model = loaded;
        } catch (RuntimeException e) { // our own published bytes: not expected; keep scoring with the previous one
            LOG.warn("cannot load the published parameters as the champion; keeping the previous one: {}",
                    e.toString());
        }
    }

    /** Fetch thread (or after it stopped): frees the champion's native memory. */
    @Override
    public void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }
}
