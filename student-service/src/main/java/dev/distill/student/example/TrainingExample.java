package dev.distill.student.example;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One joined training example, as the join writes it to the examples topic (key: event id, UTF-8; value:
 * {@link TrainingExampleCodec}).
 *
 * <p>An example does not carry the event's features: it names the event's position in the events topic
 * ({@code eventPartition}, {@code eventOffset}), and the trainer reads the features from there
 * ({@link EventLookup}). Features are written to Kafka once, by the producer; a join that copied them into its state
 * and into every example wrote 5.8x the input back to Kafka (docs/benchmarks.md).
 *
 * <p>A {@link Kind#SOFT} example carries the teacher logits present when it was emitted (all expected teachers, or
 * those that answered within {@code student.join.window.ms}); it has no label. A {@link Kind#LABELLED} example is
 * written once when the event's label arrives within the label horizon and carries the teacher logits present at that
 * moment (possibly none). An event therefore yields at most one example of each kind.
 *
 * @param eventPartition partition of the events topic that holds the event
 * @param eventOffset    offset of the event's record in that partition
 * @param label          class index, or {@link #NO_LABEL} for a soft example
 * @param labelTimestamp when the label became known (epoch ms), or {@link #NO_LABEL} for a soft example
 */
public record TrainingExample(String eventId, long eventTimestamp, int eventPartition, long eventOffset,
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
        checkEvent(eventId, eventTimestamp, eventPartition, eventOffset);
        teachers = checkTeachersAndLabel(eventId, teachers, label, labelTimestamp, kind);
    }

    /** The constructor's checks of the event's id, timestamp and position. */
    static void checkEvent(String eventId, long eventTimestamp, int eventPartition, long eventOffset) {
        if (eventId == null || eventId.isBlank() || eventId.length() > Event.MAX_ID_LENGTH) {
            throw new IllegalArgumentException("example event id must be a non-blank string of at most "
                    + Event.MAX_ID_LENGTH + " characters");
        }
        if (eventTimestamp < 0) {
            throw new IllegalArgumentException("example " + eventId + ": event timestamp " + eventTimestamp
                    + " is negative");
        }
        if (eventPartition < 0 || eventOffset < 0) {
            throw new IllegalArgumentException("example " + eventId + ": event position " + eventPartition + "/"
                    + eventOffset + " is negative");
        }
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

    /**
     * A soft example of the event at {@code partition}/{@code offset} of the events topic.
     */
    public static TrainingExample soft(String eventId, long eventTimestamp, int partition, long offset,
                                       List<TeacherOutput> teachers) {
        return new TrainingExample(eventId, eventTimestamp, partition, offset, teachers, NO_LABEL, NO_LABEL, Kind.SOFT);
    }

    /** A labelled example of the event at {@code partition}/{@code offset} of the events topic. */
    public static TrainingExample labelled(String eventId, long eventTimestamp, int partition, long offset,
                                           List<TeacherOutput> teachers, Label label) {
        return new TrainingExample(eventId, eventTimestamp, partition, offset, teachers, label.label(),
                label.timestamp(), Kind.LABELLED);
    }

    public boolean hasLabel() {
        return kind == Kind.LABELLED;
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
    public String toString() {
        return "TrainingExample[" + kind + ", eventId=" + eventId + ", eventTimestamp=" + eventTimestamp + ", event at "
                + eventPartition + "/" + eventOffset + ", teachers=" + teachers.stream().map(TeacherOutput::teacherId)
                .toList() + (hasLabel() ? ", label=" + label + ", labelTimestamp=" + labelTimestamp : "") + "]";
    }
}
