package dev.distill.deploy.bench.pipeline;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/**
 * Bytes on the brokers' disks per topic (all replicas of all partitions, as {@code describeLogDirs} reports them):
 * what clients really made the cluster write, framing, transaction markers and internal topics included. Two
 * snapshots give the bytes written in between, as long as nothing was deleted or compacted meanwhile (retention and
 * the log cleaner act on closed segments; a benchmark's topics stay in their first segment).
 */
record BrokerLogSizes(Map<String, Long> bytesPerTopic) {

    BrokerLogSizes {
        bytesPerTopic = Map.copyOf(bytesPerTopic);
    }

    static BrokerLogSizes snapshot(Admin admin) throws InterruptedException {
        try {
            Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
            Map<String, Long> sizes = new TreeMap<>();
            var dirs = admin.describeLogDirs(nodes.stream().map(Node::id).toList()).allDescriptions()
                    .get(30, TimeUnit.SECONDS);
            for (Map<String, LogDirDescription> perBroker : dirs.values()) {
                for (LogDirDescription dir : perBroker.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> replica : dir.replicaInfos().entrySet()) {
                        sizes.merge(replica.getKey().topic(), replica.getValue().size(), Long::sum);
                    }
                }
            }
            return new BrokerLogSizes(sizes);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the brokers' log directory sizes (describeLogDirs): " + e, e);
        }
    }

    /** Bytes written per topic since {@code before} (topics new since then count in full); only topics that grew. */
    Map<String, Long> growthSince(BrokerLogSizes before) {
        Map<String, Long> growth = new TreeMap<>();
        bytesPerTopic.forEach((topic, size) -> {
            long grown = size - before.bytesPerTopic.getOrDefault(topic, 0L);
            if (grown > 0) {
                growth.put(topic, grown);
            }
        });
        return growth;
    }
}
