package dev.distill.common.serde;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import dev.distill.common.serde.MalformedRecordException.Reason;
import java.util.Arrays;

/**
 * What a reader accepts beyond well-formedness: the model's input shape, its number of classes and a maximum record
 * size. Immutable; start from {@link #unchecked()} or {@link #of(int, int...)} and refine with the {@code with}
 * methods.
 */
public final class RecordLimits {

    /** Default maximum record size: 16 MiB, above any sane event or logits record yet far below heap trouble. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

    private final int[] expectedShape;
    private final int numClasses;
    private final int maxRecordBytes;

    private RecordLimits(int[] expectedShape, int numClasses, int maxRecordBytes) {
        if (expectedShape != null) {
            Event.elementCount(expectedShape);
        }
        if (numClasses < 0) {
            throw new IllegalArgumentException("numClasses must be >= 1, or 0 for unchecked; got " + numClasses);
        }
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes must be >= 1, got " + maxRecordBytes);
        }
        this.expectedShape = expectedShape == null ? null : expectedShape.clone();
        this.numClasses = numClasses;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** Any shape, any number of classes, {@link #DEFAULT_MAX_RECORD_BYTES}. */
    public static RecordLimits unchecked() {
        return new RecordLimits(null, 0, DEFAULT_MAX_RECORD_BYTES);
    }

    /** Expect exactly this input shape and number of classes. */
    public static RecordLimits of(int numClasses, int... expectedShape) {
        return new RecordLimits(expectedShape, numClasses, DEFAULT_MAX_RECORD_BYTES);
    }

    public RecordLimits withExpectedShape(int... shape) {
        return new RecordLimits(shape, numClasses, maxRecordBytes);
    }

    public RecordLimits withNumClasses(int classes) {
        return new RecordLimits(expectedShape, classes, maxRecordBytes);
    }

    public RecordLimits withMaxRecordBytes(int bytes) {
        return new RecordLimits(expectedShape, numClasses, bytes);
    }

    /** The expected input shape, or null when any shape is accepted. */
    public int[] expectedShape() {
        return expectedShape == null ? null : expectedShape.clone();
    }

    /** The expected number of classes, 0 when unchecked. */
    public int numClasses() {
        return numClasses;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public void checkSize(String what, int bytes) {
        if (bytes > maxRecordBytes) {
            throw new MalformedRecordException(Reason.OVERSIZED, what + " record is " + bytes
                    + " bytes, above the limit of " + maxRecordBytes + " bytes");
        }
    }

    /** Shape check on a shape read from the wire, before the features are read. */
    public void checkShape(String what, int[] shape) {
        if (expectedShape != null && !Arrays.equals(expectedShape, shape)) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, what + ": wrong tensor shape: expected "
                    + describe(expectedShape) + ", got " + describe(shape));
        }
    }

    public void checkClasses(String what, int classes) {
        if (numClasses != 0 && classes != numClasses) {
            throw new MalformedRecordException(Reason.WRONG_SHAPE, what + ": expected " + numClasses
                    + " classes, got " + classes);
        }
    }

    public void checkLabel(String what, long label) {
        if (label < 0 || label > Integer.MAX_VALUE || (numClasses != 0 && label >= numClasses)) {
            String range = numClasses != 0 ? "[0, " + numClasses + ")" : "[0, " + Integer.MAX_VALUE + "]";
            throw new MalformedRecordException(Reason.LABEL_OUT_OF_RANGE, what + ": label " + label
                    + " is outside " + range);
        }
    }

    /** Checks a decoded or locally built event against these limits. */
    public Event check(Event event) {
        checkShape("event " + event.id(), event.shape());
        return event;
    }

    public TeacherLogits check(TeacherLogits logits) {
        checkClasses("teacher logits of " + logits.teacherId(), logits.numClasses());
        return logits;
    }

    public Label check(Label label) {
        checkLabel("label", label.label());
        return label;
    }

    private static String describe(int[] shape) {
        double n = 1;
        for (int d : shape) {
            n *= d;
        }
        return Arrays.toString(shape) + (n >= 0 && n < 1e15 ? " (" + (long) n + " features)" : "");
    }

    @Override
    public String toString() {
        return "RecordLimits[expectedShape=" + (expectedShape == null ? "any" : Arrays.toString(expectedShape))
                + ", numClasses=" + (numClasses == 0 ? "any" : numClasses) + ", maxRecordBytes=" + maxRecordBytes + "]";
    }
}
