package dev.distill.common.event;

/**
 * A ground-truth class label for one event; the Kafka key is the event id.
 *
 * @param label     class index, {@code >= 0} (the upper bound depends on the model and is checked by the reader)
 * @param timestamp when the label became known, epoch milliseconds, {@code >= 0}
 */
public record Label(int label, long timestamp) {
    public Label {
        if (label < 0) {
            throw new IllegalArgumentException("label.label must be >= 0, got " + label);
        }
        Checks.nonNegative(timestamp, "label", "timestamp");
    }
}
