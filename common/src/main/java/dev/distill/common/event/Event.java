package dev.distill.common.event;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input event: a float32 feature tensor in row-major order.
 *
 * @param id        event id, also the Kafka key of every record about this event
 * @param timestamp event time in epoch milliseconds, {@code >= 0}
 * @param shape     tensor shape, rank 1..{@value #MAX_RANK}, every dimension {@code >= 1}
 * @param features  {@code product(shape)} finite values, row-major
 */
public record Event(String id, long timestamp, int[] shape, float[] features) {

    public static final int MAX_ID_LENGTH = 1024;
    public static final int MAX_RANK = 8;

    public Event {
        Objects.requireNonNull(shape, "event.shape");
        Objects.requireNonNull(features, "event.features");
        shape = shape.clone();
        features = features.clone();
        check(id, timestamp, shape, features, 0, features.length);
    }

    /**
     * The constructor's checks, for a decoder that writes an event's features into an array of its own (a batch's
     * input) instead of building an {@code Event}: the features are {@code values[offset, offset + count)}.
     *
     * @throws IllegalArgumentException as the constructor would, with the same message
     */
    public static void check(String id, long timestamp, int[] shape, float[] values, int offset, int count) {
        Checks.nonBlank(id, "event", "id", MAX_ID_LENGTH);
        Checks.nonNegative(timestamp, "event " + id, "timestamp");
        long elements = elementCount(shape);
        if (count != elements) {
            throw new IllegalArgumentException("event " + id + ": shape " + Arrays.toString(shape) + " needs "
                    + elements + " features, got " + count);
        }
        Checks.finite(values, offset, count, "event " + id, "features");
    }

    /**
     * Number of elements of a tensor of this shape.
     *
     * @throws IllegalArgumentException if the rank or a dimension is out of range or the product exceeds an int
     */
    public static int elementCount(int[] shape) {
        if (shape.length < 1 || shape.length > MAX_RANK) {
            throw new IllegalArgumentException("shape must have rank 1.." + MAX_RANK + ", got rank " + shape.length);
        }
        long product = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 1) {
                throw new IllegalArgumentException("shape[" + i + "] must be >= 1, got " + shape[i]);
            }
            product *= shape[i];
            if (product > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has too many elements");
            }
        }
        return (int) product;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public float[] features() {
        return features.clone();
    }

    public int featureCount() {
        return features.length;
    }

    /** Feature {@code i} without copying the array. */
    public float feature(int i) {
        return features[i];
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Event e && timestamp == e.timestamp && id.equals(e.id)
                && Arrays.equals(shape, e.shape) && Arrays.equals(features, e.features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, timestamp, Arrays.hashCode(shape), Arrays.hashCode(features));
    }

    @Override
    public String toString() {
        return "Event[id=" + id + ", timestamp=" + timestamp + ", shape=" + Arrays.toString(shape)
                + ", features=" + Checks.preview(features) + "]";
    }
}
