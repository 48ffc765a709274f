package dev.distill.deploy.bench.pipeline;

/**
 * The pipeline's counters at one instant, as the services themselves report them: logits the teacher has committed,
 * soft and labelled examples the student has trained, events on the events topic.
 *
 * @param atMillis wall-clock time of the reading (epoch ms)
 */
record Progress(long atMillis, long eventsOnTopic, long teacherCommitted, long studentSoft, long studentLabelled) {

    /** The counts since {@code base} (a reading before the pass began), at this reading's time. */
    Progress since(Progress base) {
        return new Progress(atMillis, eventsOnTopic - base.eventsOnTopic, teacherCommitted - base.teacherCommitted,
                studentSoft - base.studentSoft, studentLabelled - base.studentLabelled);
    }

    long studentTrained() {
        return studentSoft + studentLabelled;
    }
}
