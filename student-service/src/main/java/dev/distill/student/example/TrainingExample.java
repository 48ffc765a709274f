package dev.distill.student.example;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One joined training example, as the join writes it to the examples topic (key: event id, UTF-8; value:
 * {@link TrainingExampleCodec}).
 *
 * <p>A {@link Kind#SOFT} example carries the event and the teacher logits present when it was emitted (all expected
 * teachers, or those that answered within {@code student.join.window.ms}); it has no label. A {@link Kind#LABELLED}
 * example is written once when the event's label arrives within the label horizon and carries the teacher logits
 * present at that moment (possibly none). An event therefore yields at most one example of each kind.
 *
 * @param label          class index, or {@link #NO_LABEL} for a soft example
 * @param labelTimestamp when the label became known (epoch ms), or {@link #NO_LABEL} for a soft example
 */
public record TrainingExample(String eventId, long eventTimestamp, int[] shape, float[] features,
                              List<TeacherOutput> teachers, int label, long labelTimestamp, Kind kind) {

    public static final int NO_LABEL = -1;
    /** The binary frame stores the teacher count in one byte. */
    public static final int MAX_TEACHERS = 255;

    /** What signal an example carries. */
    public enum Kind {
        /** Event and teacher logits, no label (yet): trains the distillation term only. */
        SOFT,
        /** Event, its ground-truth label and whatever teacher logits were present. */
        LABELLED
    }

    public TrainingExample {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(teachers, "teachers");
        shape = shape.clone();
        features = features.clone();
        // Event's checks of id, timestamp, shape and finiteness, with its messages
        Event.check(eventId, eventTimestamp, shape, features, 0, features.length);
        teachers = checkTeachersAndLabel(eventId, teachers, label, labelTimestamp, kind);
    }

    /**
     * The constructor's checks of everything but the event (teachers, label, kind), for a decoder that does not build
     * the example; returns the teachers as an unmodifiable copy.
     */
    static List<TeacherOutput> checkTeachersAndLabel(String eventId, List<TeacherOutput> teachers, int label,
                                                     long labelTimestamp, Kind kind) {
        Objects.requireNonNull(kind, "kind");
        teachers = List.copyOf(teachers);
        if (teachers.size() > MAX_TEACHERS) {
            throw new IllegalArgumentException("example " + eventId + ": " + teachers.size() + " teachers, at most "
                    + MAX_TEACHERS);
        }
        Set<String> ids = new HashSet<>();
        for (TeacherOutput t : teachers) {
            if (!ids.add(t.teacherId())) {
                throw new IllegalArgumentException("example " + eventId + ": teacher " + t.teacherId() + " appears twice");
            }
            if (t.numClasses() != teachers.get(0).numClasses()) {
                throw new IllegalArgumentException("example " + eventId + ": teachers disagree on the number of classes ("
                        + teachers.get(0).numClasses() + " vs " + t.numClasses() + ")");
            }
        }
        switch (kind) {
            case SOFT -> {
                if (label != NO_LABEL || labelTimestamp != NO_LABEL) {
                    throw new IllegalArgumentException("example " + eventId + ": a SOFT example has no label");
                }
                if (teachers.isEmpty()) {
                    throw new IllegalArgumentException("example " + eventId + ": a SOFT example needs teacher logits");
                }
            }
            case LABELLED -> {
                if (label < 0 || labelTimestamp < 0) {
                    throw new IllegalArgumentException("example " + eventId + ": a LABELLED example needs label >= 0 "
                            + "and labelTimestamp >= 0, got " + label + " and " + labelTimestamp);
                }
                if (!teachers.isEmpty() && label >= teachers.get(0).numClasses()) {
                    throw new IllegalArgumentException("example " + eventId + ": label " + label + " is outside [0, "
                            + teachers.get(0).numClasses() + ")");
                }
            }
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        }
        return teachers;
    }

    public static TrainingExample soft(Event event, List<TeacherOutput> teachers) {
        return new TrainingExample(event.id(), event.timestamp(), event.shape(), event.features(), teachers,
                NO_LABEL, NO_LABEL, Kind.SOFT);
    }

    public static TrainingExample labelled(Event event, List<TeacherOutput> teachers, Label label) {
        return new TrainingExample(event.id(), event.timestamp(), event.shape(), event.features(), teachers,
                label.label(), label.timestamp(), Kind.LABELLED);
    }

    public boolean hasLabel() {
        return kind == Kind.LABELLED;
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

    /** Feature {@code i} without copying, for trainers filling a batch buffer. */
    public float feature(int i) {
        return features[i];
    }

    /** Copies the features into {@code dst} at {@code offset} (one copy, for trainers filling a batch buffer). */
    public void copyFeaturesInto(float[] dst, int offset) {
        System.arraycopy(features, 0, dst, offset, features.length);
    }

    /** The output of {@code teacherId}, or null when that teacher is not present. */
    public TeacherOutput teacher(String teacherId) {
        for (TeacherOutput t : teachers) {
            if (t.teacherId().equals(teacherId)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingExample e && eventTimestamp == e.eventTimestamp && label == e.label
                && labelTimestamp == e.labelTimestamp && kind == e.kind && eventId.equals(e.eventId)
                && Arrays.equals(shape, e.shape) && Arrays.equals(features, e.features) && teachers.equals(e.teachers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, eventTimestamp, Arrays.hashCode(shape), Arrays.hashCode(features), teachers,
                label, labelTimestamp, kind);
    }

    @Override
    public String toString() {
        return "TrainingExample[" + kind + ", eventId=" + eventId + ", eventTimestamp=" + eventTimestamp + ", shape="
                + Arrays.toString(shape) + ", teachers=" + teachers.stream().map(TeacherOutput::teacherId).toList()
                + (hasLabel() ? ", label=" + label + ", labelTimestamp=" + labelTimestamp : "") + "]";
    }
}
