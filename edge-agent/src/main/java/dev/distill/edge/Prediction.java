package dev.distill.edge;

/** Logits for one input and the model version that computed them. */
public record Prediction(long version, float[] logits) {

    public Prediction {
        logits = logits.clone();
    }

    @Override
    public float[] logits() {
        return logits.clone();
    }

    public int top1() {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
