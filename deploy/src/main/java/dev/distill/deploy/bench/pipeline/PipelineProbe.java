package dev.distill.deploy.bench.pipeline;

import dev.distill.common.metrics.MetricNames;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads {@link Progress}: the teacher's committed logits ({@code distill_teacher_events_total{outcome="scored"}},
 * counted after each commit) and the student's trained examples ({@code distill_student_examples_total} by kind)
 * from their {@code /metrics}, as a Prometheus server would, and the events topic's end offsets from the broker
 * (the replay's producer is idempotent, not transactional, so offsets count records).
 */
final class PipelineProbe {

    private final ServiceEndpoint teacher;
    private final ServiceEndpoint student;
    private final Admin admin;
    private final List<TopicPartition> eventPartitions;

    PipelineProbe(ServiceEndpoint teacher, ServiceEndpoint student, Admin admin, List<TopicPartition> eventPartitions) {
        this.teacher = teacher;
        this.student = student;
        this.admin = admin;
        this.eventPartitions = List.copyOf(eventPartitions);
    }

    Progress read() throws IOException, InterruptedException {
        long at = System.currentTimeMillis();
        String t = teacher.metrics();
        String s = student.metrics();
        String examples = MetricNames.STUDENT_EXAMPLES.prometheusName();
        return new Progress(at, eventsOnTopic(),
                (long) ServiceEndpoint.sum(t, MetricNames.TEACHER_EVENTS.prometheusName(), "outcome", "scored"),
                (long) ServiceEndpoint.sum(s, examples, "kind", "soft"),
                (long) ServiceEndpoint.sum(s, examples, "kind", "labelled"));
    }

    private long eventsOnTopic() throws InterruptedException {
        try {
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(eventPartitions.stream()
                    .collect(java.util.stream.Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get(10, TimeUnit.SECONDS);
            return ends.values().stream().mapToLong(ListOffsetsResultInfo::offset).sum();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the end offsets of the events topic: " + e, e);
        }
    }
}
