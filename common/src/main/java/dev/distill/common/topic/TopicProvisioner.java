package dev.distill.common.topic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates missing topics; idempotent. Existing topics are left as they are, but a partition count that differs from
 * the spec is reported: as a warning in general, and as an error (before anything is created) when it breaks the
 * co-partitioning of events, teacher logits and labels that the join depends on.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Admin admin;
    private final Duration timeout;

    public TopicProvisioner(Admin admin, Duration timeout) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** What provisioning did; {@code warnings} also went to the log. */
    public record Report(List<String> created, List<String> existing, List<String> warnings) {
        public Report {
            created = List.copyOf(created);
            existing = List.copyOf(existing);
            warnings = List.copyOf(warnings);
        }
    }

    public Report provision(DistillTopics topics) {
        return provision(topics.all(), topics.coPartitioned().stream().map(TopicSpec::name).collect(Collectors.toSet()));
    }

    /**
     * @param coPartitioned names among {@code specs} that must end up with equal partition counts
     * @throws TopicProvisioningException if they would not, or if the cluster cannot be reached in time
     */
    public Report provision(Collection<TopicSpec> specs, Set<String> coPartitioned) {
        Map<String, TopicSpec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        for (String name : coPartitioned) {
            if (!byName.containsKey(name)) {
                throw new IllegalArgumentException("co-partitioned topic " + name + " is not among the specs");
            }
        }
        Map<String, TopicDescription> before = describeExisting(byName.keySet());
        // refuse before creating anything when the outcome is already known to be wrong
        checkCoPartitioning(coPartitioned, byName, before, Set.of());

        List<String> existingNames = new ArrayList<>();
        List<TopicSpec> missing = new ArrayList<>();
        for (TopicSpec spec : byName.values()) {
            if (before.containsKey(spec.name())) {
                existingNames.add(spec.name());
            } else {
                missing.add(spec);
            }
        }
        List<String> created = create(missing, existingNames);

        // check again what the cluster really has: another instance may have created a topic concurrently
        Map<String, TopicDescription> after = awaitVisible(byName.keySet());
        checkCoPartitioning(coPartitioned, byName, after, Set.copyOf(created));
        awaitLeaders(created, after);
        List<String> warnings = new ArrayList<>();
        for (TopicSpec spec : byName.values()) {
            int actual = after.get(spec.name()).partitions().size();
            if (actual != spec.partitions()) {
                warnings.add("topic " + spec.name() + " exists with " + actual + " partitions, configured "
                        + spec.partitions() + "; using the existing topic as it is");
            }
        }
        warnings.forEach(LOG::warn);
        if (!created.isEmpty()) {
            LOG.info("created topics {}", created);
        }
        return new Report(created, existingNames, warnings);
    }

    private static void checkCoPartitioning(Set<String> coPartitioned, Map<String, TopicSpec> specs,
                                            Map<String, TopicDescription> actual, Set<String> created) {
        Map<String, String> counts = new TreeMap<>();
        Set<Integer> distinct = new HashSet<>();
        for (String name : coPartitioned) {
            TopicDescription d = actual.get(name);
            int n = d != null ? d.partitions().size() : specs.get(name).partitions();
            distinct.add(n);
            counts.put(name, n + (d == null ? " (to create)" : created.contains(name) ? " (created)" : " (existing)"));
        }
        if (distinct.size() > 1) {
            throw new TopicProvisioningException("Topics " + counts.keySet() + " must have the same partition count "
                    + "because the join depends on co-partitioning (records with the same event id must land on the "
                    + "same partition number in each), but they would have " + counts.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))
                    + ". Recreate or repartition the existing topics, or set topic.partitions to match them.");
        }
    }

    /**
     * Waits until every partition of the created topics is served by its leader. Listing a topic is not enough: a
     * produce sent before the leader's replica manager takes over fails with NOT_LEADER_OR_FOLLOWER, and an
     * idempotent producer's retries can then fail with OutOfOrderSequence until delivery times out (seen here on
     * a loaded machine: records lost). DescribeProducers is answered by the leader itself and writes nothing.
     */
    private void awaitLeaders(List<String> created, Map<String, TopicDescription> described) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String name : created) {
            described.get(name).partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
        }
        if (partitions.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                admin.describeProducers(partitions).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw new TopicProvisioningException("Topics " + created + " have no serving leader within "
                            + timeout + ": " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new TopicProvisioningException("Topics " + created + " have no serving leader within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicProvisioningException("Interrupted while waiting for leaders of " + created, e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicProvisioningException("Interrupted while waiting for leaders of " + created, e);
            }
        }
    }

    /** Describes all topics, retrying while metadata about just-created topics propagates. */
    private Map<String, TopicDescription> awaitVisible(Collection<String> names) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new TopicProvisioningException("Cannot describe topics " + names + " after creating them: "
                            + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new TopicProvisioningException("Cannot describe topics " + names + " within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicProvisioningException("Interrupted while describing topics " + names, e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicProvisioningException("Interrupted while waiting for topics " + names, e);
            }
        }
    }

    private Map<String, TopicDescription> describeExisting(Collection<String> names) {
        try {
            Set<String> present = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<String> wanted = names.stream().filter(present::contains).toList();
            if (wanted.isEmpty()) {
                return Map.of();
            }
            return admin.describeTopics(wanted).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TopicProvisioningException("Cannot describe topics " + names + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new TopicProvisioningException("Cannot describe topics " + names + " within " + timeout
                    + ": is the cluster at bootstrap.servers reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicProvisioningException("Interrupted while describing topics " + names, e);
        }
    }

    private List<String> create(List<TopicSpec> missing, List<String> existingNames) {
        List<String> created = new ArrayList<>();
        if (missing.isEmpty()) {
            return created;
        }
        var futures = admin.createTopics(missing.stream().map(TopicSpec::toNewTopic).toList()).values();
        for (TopicSpec spec : missing) {
            try {
                futures.get(spec.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                created.add(spec.name());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    // another instance created it between our describe and create
                    existingNames.add(spec.name());
                } else {
                    throw new TopicProvisioningException("Cannot create topic " + spec.name() + " with "
                            + spec.partitions() + " partitions, replication factor " + spec.replicationFactor()
                            + " and configs " + spec.configs() + ": " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new TopicProvisioningException("Creating topic " + spec.name() + " took longer than " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicProvisioningException("Interrupted while creating topic " + spec.name(), e);
            }
        }
        return created;
    }
}
