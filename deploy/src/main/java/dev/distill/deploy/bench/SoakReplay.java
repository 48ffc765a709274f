package dev.distill.deploy.bench;

import dev.distill.common.data.LabelledImages;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A steady, endless replay for the soak benchmark: like {@code FashionMnistReplay}, which stops at the end of its
 * split, but starting over from the first image when the split is exhausted (each pass with fresh event ids, so
 * the join sees new events), for as long as the soak lasts. Labels trail a fraction of the events by a fixed
 * delay. Paced on one thread against an absolute schedule so the rate holds over hours.
 */
final class SoakReplay {

    private final LabelledImages images;
    private final Producer<byte[], byte[]> producer;
    private final String eventsTopic;
    private final String labelsTopic;
    private final Clock clock;
    private final double eventsPerSecond;
    private final long labelDelayMillis;
    private final double labelFraction;
    private final String runId;
    private final int sampleEveryNth;
    private final LongConsumer sampled;
    private final EventCodec eventCodec = new EventCodec();
    private final LabelCodec labelCodec = new LabelCodec();
    private final ArrayDeque<PendingLabel> pending = new ArrayDeque<>();

    private final AtomicLong eventsSent = new AtomicLong();
    private final AtomicLong labelsSent = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private volatile long passes;
    private volatile boolean stopRequested;

    private record PendingLabel(String eventId, int label, long dueMillis) {}

    /**
     * @param sampleEveryNth every n-th event's timestamp goes to {@code sampled} (for freshness)
     */
    SoakReplay(LabelledImages images, Producer<byte[], byte[]> producer, String eventsTopic, String labelsTopic,
            Clock clock, double eventsPerSecond, long labelDelayMillis, double labelFraction, String runId,
            int sampleEveryNth, LongConsumer sampled) {
        this.images = images;
        this.producer = producer;
        this.eventsTopic = eventsTopic;
        this.labelsTopic = labelsTopic;
        this.clock = clock;
        this.eventsPerSecond = eventsPerSecond;
        this.labelDelayMillis = labelDelayMillis;
        this.labelFraction = labelFraction;
        this.runId = runId;
        this.sampleEveryNth = Math.max(1, sampleEveryNth);
        this.sampled = sampled;
    }

    void stop() {
        stopRequested = true;
    }

    long eventsSent() {
        return eventsSent.get();
    }

    long labelsSent() {
        return labelsSent.get();
    }

    long sendErrors() {
        return sendErrors.get();
    }

    /** Completed passes over the split. */
    long passes() {
        return passes;
    }

    /** Sends until {@link #stop()} or {@code durationMillis} elapse; labels not yet due then are dropped. */
    void run(long durationMillis) throws InterruptedException {
        double nanosPerEvent = 1e9 / eventsPerSecond;
        Random labelDraw = new Random(1);
        long startNanos = System.nanoTime();
        long endNanos = startNanos + durationMillis * 1_000_000L;
        for (long i = 0; !stopRequested; i++) {
            long due = startNanos + (long) (i * nanosPerEvent);
            if (due >= endNanos) {
                break;
            }
            sleepUntil(due);
            int index = (int) (i % images.count());
            long pass = i / images.count();
            passes = pass;
            long now = clock.millis();
            sendDueLabels(now);
            String id = runId + "-p" + pass + "-" + index;
            Event event = new Event(id, now, new int[] {images.rows(), images.cols()}, images.image(index));
            RecordHeaders headers = new RecordHeaders();
            Encoding.BINARY.writeTo(headers);
            byte[] value = eventCodec.encode(event, Encoding.BINARY);
            producer.send(new ProducerRecord<>(eventsTopic, null, now, key(id), value, headers), counting(eventsSent));
            if (i % sampleEveryNth == 0) {
                sampled.accept(now);
            }
            if (labelDraw.nextDouble() < labelFraction) {
                pending.addLast(new PendingLabel(id, images.label(index), now + labelDelayMillis));
            }
        }
        producer.flush();
    }

    private void sendDueLabels(long now) {
        while (!pending.isEmpty() && pending.peekFirst().dueMillis() <= now) {
            PendingLabel due = pending.pollFirst();
            byte[] value = labelCodec.encode(new Label(due.label(), now), Encoding.JSON);
            producer.send(new ProducerRecord<>(labelsTopic, null, now, key(due.eventId()), value),
                    counting(labelsSent));
        }
    }

    private Callback counting(AtomicLong sent) {
        return (metadata, error) -> {
            if (error == null) {
                sent.incrementAndGet();
            } else {
                sendErrors.incrementAndGet();
            }
        };
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
