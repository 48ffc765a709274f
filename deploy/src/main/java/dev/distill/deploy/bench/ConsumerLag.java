package dev.distill.deploy.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Lag of a consumer group, as an operator would compute it: per partition of the given topics, the last stable
 * offset (read_committed end) minus the group's committed offset (the partition's earliest offset when the group
 * has committed nothing there yet), summed.
 */
final class ConsumerLag implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Admin admin;
    private final Map<String, List<TopicPartition>> partitions = new HashMap<>();

    ConsumerLag(Map<String, Object> adminProperties) {
        this.admin = Admin.create(adminProperties);
    }

    /** Records in {@code topics} not yet committed by {@code group}; -1 when the cluster did not answer in time. */
    long lag(String group, Collection<String> topics) {
        try {
            List<TopicPartition> tps = topics.stream().flatMap(t -> partitionsOf(t).stream()).toList();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (TopicPartition tp : tps) {
                latest.put(tp, OffsetSpec.latest());
                if (committed.get(tp) == null) {
                    earliest.put(tp, OffsetSpec.earliest());
                }
            }
            ListOffsetsOptions committedOnly = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest, committedOnly).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                    : admin.listOffsets(earliest).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            long lag = 0;
            for (TopicPartition tp : tps) {
                OffsetAndMetadata c = committed.get(tp);
                long from = c != null ? c.offset() : starts.get(tp).offset();
                lag += Math.max(0, ends.get(tp).offset() - from);
            }
            return lag;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private List<TopicPartition> partitionsOf(String topic) {
        return partitions.computeIfAbsent(topic, t -> {
            try {
                TopicDescription d = admin.describeTopics(List.of(t)).allTopicNames()
                        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(t);
                return d.partitions().stream().map(p -> new TopicPartition(t, p.partition())).toList();
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("cannot describe topic " + t + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topic " + t, e);
            }
        });
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
