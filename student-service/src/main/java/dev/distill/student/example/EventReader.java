package dev.distill.student.example;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records of one topic by position with one consumer, keeping the last {@code capacity} records read of each
 * partition. Requests that move forward (as examples do: they name events in about the order they were written) are
 * served by reading on sequentially, one fetch for many records; a request behind the kept records, or far ahead,
 * seeks. Records are immutable at their offsets, so a kept record never goes stale.
 *
 * <p>Not thread-safe: one thread owns the reader and its consumer.
 */
final class EventReader {

    private static final Logger LOG = LoggerFactory.getLogger(EventReader.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long WARN_EVERY_NANOS = Duration.ofSeconds(30).toNanos();

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final int capacity;
    private final Map<Integer, Ring> rings = new HashMap<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long reads;
    private long seeks;

    /** The last records read of one partition, by offset modulo the capacity. */
    private static final class Ring {
        final ConsumerRecord<?, ?>[] slots;
        /** Every record in [max(first, next - capacity), next) that the log holds is in {@code slots}. */
        long first = -1;
        long next = -1;

        Ring(int capacity) {
            slots = new ConsumerRecord<?, ?>[capacity];
        }

        boolean covers(long offset) {
            return next >= 0 && offset >= Math.max(first, next - slots.length) && offset < next;
        }
    }

    /** The outcome of a lookup. */
    enum Status { FOUND, NOT_IN_TOPIC }

    EventReader(Consumer<byte[], byte[]> consumer, String topic, int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, got " + capacity);
        }
        this.consumer = consumer;
        this.topic = topic;
        this.capacity = capacity;
    }

    /** The kept record at {@code partition}/{@code offset}, without reading; null if not kept. */
    @SuppressWarnings("unchecked")
    ConsumerRecord<byte[], byte[]> cached(int partition, long offset) {
        Ring ring = rings.get(partition);
        if (ring == null || !ring.covers(offset)) {
            return null;
        }
        ConsumerRecord<?, ?> r = ring.slots[(int) (offset & (capacity - 1))];
        return r != null && r.offset() == offset ? (ConsumerRecord<byte[], byte[]>) r : null;
    }

    /**
     * The record at {@code partition}/{@code offset}, reading and waiting as long as it takes (a broker that is down
     * is waited for, as a consumer waits). Returns null when the topic does not hold that offset: below the log start
     * (deleted by retention), at or past the end of the committed log, or a gap (an aborted or compacted record).
     *
     * @throws CancellationException when {@code stopping} turns true while it waits
     */
    ConsumerRecord<byte[], byte[]> read(int partition, long offset, BooleanSupplier stopping) {
        TopicPartition tp = new TopicPartition(topic, partition);
        Ring ring = rings.computeIfAbsent(partition, p -> new Ring(capacity));
        long waitingSince = System.nanoTime();
        long warned = waitingSince;
        while (true) {
            if (ring.covers(offset)) {
                return cached(partition, offset);
            }
            if (stopping.getAsBoolean()) {
                throw new CancellationException("stopping");
            }
            if (ring.next < 0 || offset < ring.next || offset >= ring.next + capacity) {
                seek(tp, ring, offset);
            }
            long before = ring.next;
            ConsumerRecord<byte[], byte[]> hit = null;
            try {
                hit = readOn(tp, ring, offset);
            } catch (OffsetOutOfRangeException e) {
                ring.next = -1; // below the log start: deleted; the next request seeks again
                return null;
            } catch (TimeoutException e) {
                LOG.debug("reading {} at {}: {}", tp, offset, e.toString());
            }
            if (hit != null) {
                return hit; // kept too, unless this fetch alone held more than the capacity
            }
            if (ring.next > offset) {
                return null; // read past it without seeing it: a gap (aborted or compacted record, control marker)
            }
            if (ring.next == before) {
                long end;
                try {
                    end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(5)).getOrDefault(tp, -1L);
                } catch (TimeoutException e) {
                    end = Long.MAX_VALUE; // unknown: keep waiting
                }
                if (end >= 0 && offset >= end && ring.next >= end) {
                    return null; // past the committed end: no such event was ever readable
                }
                long now = System.nanoTime();
                if (now - warned > WARN_EVERY_NANOS) {
                    warned = now;
                    LOG.warn("still waiting for {} offset {} after {} s (position {}, end {}); is the cluster healthy?",
                            tp, offset, (now - waitingSince) / 1_000_000_000L, ring.next, end);
                }
            }
        }
    }

    long reads() {
        return reads;
    }

    long seeks() {
        return seeks;
    }

    private void seek(TopicPartition tp, Ring ring, long offset) {
        if (assigned.add(tp)) {
            consumer.assign(new ArrayList<>(assigned));
        }
        consumer.seek(tp, offset);
        ring.first = offset;
        ring.next = offset;
        seeks++;
    }

    /**
     * One fetch of {@code tp} alone (the other assigned partitions paused), kept in its ring; returns the record at
     * {@code wanted} if the fetch held it.
     */
    private ConsumerRecord<byte[], byte[]> readOn(TopicPartition tp, Ring ring, long wanted) {
        List<TopicPartition> others = new ArrayList<>(assigned);
        others.remove(tp);
        consumer.pause(others);
        consumer.resume(List.of(tp));
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        ConsumerRecord<byte[], byte[]> hit = null;
        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
            ring.slots[(int) (r.offset() & (capacity - 1))] = r;
            reads++;
            if (r.offset() == wanted) {
                hit = r;
            }
        }
        ring.next = consumer.position(tp);
        return hit;
    }
}
