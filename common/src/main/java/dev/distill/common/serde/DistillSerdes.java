package dev.distill.common.serde;

import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.event.EdgeStatus;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;

/** Serdes for every wire record. Keys are plain UTF-8 strings ({@code Serdes.String()}). */
public final class DistillSerdes {
    private DistillSerdes() {}

    public static RecordSerde<Event> events(Encoding encoding, RecordLimits limits) {
        return new RecordSerde<>(new EventCodec(limits), encoding);
    }

    /** JSON, any shape. */
    public static RecordSerde<Event> events() {
        return events(Encoding.JSON, RecordLimits.unchecked());
    }

    public static RecordSerde<TeacherLogits> teacherLogits(Encoding encoding, RecordLimits limits) {
        return new RecordSerde<>(new TeacherLogitsCodec(limits), encoding);
    }

    public static RecordSerde<TeacherLogits> teacherLogits() {
        return teacherLogits(Encoding.JSON, RecordLimits.unchecked());
    }

    public static RecordSerde<Label> labels(RecordLimits limits) {
        return new RecordSerde<>(new LabelCodec(limits), Encoding.JSON);
    }

    public static RecordSerde<Label> labels() {
        return labels(RecordLimits.unchecked());
    }

    public static RecordSerde<CheckpointManifest> manifests() {
        return new RecordSerde<>(new CheckpointManifestCodec(), Encoding.JSON);
    }

    public static RecordSerde<EdgeStatus> edgeStatus() {
        return new RecordSerde<>(new EdgeStatusCodec(), Encoding.JSON);
    }
}
