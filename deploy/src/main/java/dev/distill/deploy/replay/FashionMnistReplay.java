package dev.distill.deploy.replay;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.serde.BinaryEventWriter;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a labelled image set as a live stream: events at a steady rate, and for a fraction of them a label
 * that arrives a fixed delay later, as clicks or human review would. One thread paces both, so labels are
 * never sent before their event. A drifting run ({@link ReplaySettings#drift()}) sends the images from the drift
 * point on transformed by the {@link DriftScenario} (image {@code i} with key {@code i}, so a rerun sends the same
 * stream); their labels stay the true classes.
 *
 * <p>Sending costs little per event, so that an unpaced replay runs near a plain producer's rate: binary events are
 * written straight from the image into one reused frame ({@link BinaryEventWriter}), without an {@link Event} or a
 * copy of the features, and the producer batches large ({@link #producerProperties}).
 */
public final class FashionMnistReplay {

    private static final Logger log = LoggerFactory.getLogger(FashionMnistReplay.class);

    private final LabelledImages images;
    private final ReplaySettings settings;
    private final Producer<byte[], byte[]> producer;
    private final String eventsTopic;
    private final String labelsTopic;
    private final Clock clock;
    private final EventCodec eventCodec = new EventCodec();
    private final LabelCodec labelCodec = new LabelCodec();
    private final BinaryEventWriter frames;
    /** The image in hand as floats in [0, 1], rewritten for every event. */
    private final float[] pixels;
    private final List<Header> eventHeaders;

    private final AtomicLong eventsSent = new AtomicLong();
    private final AtomicLong labelsSent = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final Callback eventDone = counting(eventsSent);
    private final Callback labelDone = counting(labelsSent);
    private final ArrayDeque<PendingLabel> pending = new ArrayDeque<>();
    private volatile boolean stopRequested;
    private volatile long labelsUnsent;
    private long startMillis;
    private long eventsDoneMillis;
    private volatile int firstDrifted = Integer.MAX_VALUE;
    private boolean endless;
    private LongConsumer eventSent = timestamp -> { };

    /** Due at {@code dueMillis}, or (labels delayed by events) once event {@code dueIndex} is sent. */
    private record PendingLabel(String eventId, int label, long dueMillis, long dueIndex) {}

    public FashionMnistReplay(LabelledImages images, ReplaySettings settings, Producer<byte[], byte[]> producer,
            String eventsTopic, String labelsTopic, Clock clock) {
        this.images = images;
        this.settings = settings;
        this.producer = producer;
        this.eventsTopic = eventsTopic;
        this.labelsTopic = labelsTopic;
        this.clock = clock;
        BinaryEventWriter writer = BinaryEventWriter.of(images.rows(), images.cols());
        // KafkaProducer copies a value into its batch inside send(), so one frame array can be rewritten per event;
        // any other Producer (a test double may keep the array) gets a fresh one
        this.frames = producer instanceof KafkaProducer ? writer.reusing() : writer;
        this.pixels = new float[images.imageSize()];
        this.eventHeaders = List.of(new RecordHeader(Encoding.HEADER, settings.encoding().headerBytes()));
    }

    /**
     * Settings of a producer for a replay: the configured cluster and its {@code kafka.*} client keys, acks=all with
     * idempotence (no event is lost or sent twice by a retry), a short linger and large batches (an event is ~3 KB:
     * the default 16 KB batch held five, and an unpaced replay spent its time on produce requests).
     */
    public static Map<String, Object> producerProperties(DistillConfig config, String clientId) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 << 10);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /**
     * Starts over from the first image when the split is exhausted (the event index, and so the event id, keeps
     * growing), until the event limit, the duration or {@link #stop()}: a steady stream for as long as a soak lasts.
     * Call before {@link #run}.
     */
    public FashionMnistReplay endless() {
        endless = true;
        return this;
    }

    /** Called on the replay's thread with each event's timestamp once it is handed to the producer. */
    public FashionMnistReplay onEvent(LongConsumer eventSent) {
        this.eventSent = Objects.requireNonNull(eventSent, "eventSent");
        return this;
    }

    /** Asks a running {@link #run} to stop after the record in hand; safe from another thread. */
    public void stop() {
        stopRequested = true;
    }

    /**
     * Sends events until the split, the event limit or the duration runs out (or {@link #stop()}), then keeps
     * sending the labels still due unless stopped. Calls {@code progress} about once a second.
     */
    public ReplayStats run(Consumer<ReplayStats> progress) throws InterruptedException {
        startMillis = clock.millis();
        int total = endless ? (settings.maxEvents() > 0 ? settings.maxEvents() : Integer.MAX_VALUE)
                : settings.maxEvents() > 0 ? Math.min(settings.maxEvents(), images.count()) : images.count();
        firstDrifted = settings.firstDriftedIndex(images.count());
        if (settings.drifts()) {
            log.info("replay drifts ({}) from event {} on", settings.drift(), firstDrifted);
        }
        long deadline = settings.duration() == null ? Long.MAX_VALUE : startMillis + settings.duration().toMillis();
        double nanosPerEvent = 1e9 / settings.eventsPerSecond();
        Random labelDraw = new Random(settings.seed());
        long startNanos = System.nanoTime();
        long nextProgress = startMillis + 1000;

        for (int i = 0; i < total && !stopRequested && clock.millis() < deadline; i++) {
            sleepUntil(startNanos + (long) (i * nanosPerEvent));
            long now = clock.millis();
            sendDueLabels(now, i - 1L);
            sendEvent(i, now);
            eventSent.accept(now);
            if (labelDraw.nextDouble() < settings.labelFraction()) {
                pending.addLast(new PendingLabel(settings.eventId(i), images.label(i % images.count()),
                        now + settings.labelDelay().toMillis(), (long) i + settings.labelDelayEvents()));
            }
            sendDueLabels(now, i);
            if (now >= nextProgress) {
                progress.accept(stats());
                nextProgress = now + 1000;
            }
        }
        eventsDoneMillis = clock.millis();
        while (!pending.isEmpty() && !stopRequested) {
            long now = clock.millis();
            // no event follows any more: labels delayed by events are all due now
            sendDueLabels(now, Long.MAX_VALUE);
            if (now >= nextProgress) {
                progress.accept(stats());
                nextProgress = now + 1000;
            }
            Thread.sleep(Math.max(1, Math.min(200, pending.isEmpty() ? 0 : pending.peekFirst().dueMillis() - now)));
        }
        producer.flush();
        labelsUnsent = pending.size();
        if (labelsUnsent > 0) {
            log.warn("replay stopped with {} labels not yet due; they were not sent", labelsUnsent);
        }
        return stats();
    }

    /** Index of the first drifted event of this run ({@link Integer#MAX_VALUE} when the stream does not drift). */
    public int firstDriftedIndex() {
        return firstDrifted;
    }

    /** Whether events sent so far include drifted ones. */
    public boolean drifting() {
        return eventsSent.get() > firstDrifted;
    }

    public ReplayStats stats() {
        long now = clock.millis();
        long elapsed = startMillis == 0 ? 0 : now - startMillis;
        long eventPhase = startMillis == 0 ? 0 : (eventsDoneMillis == 0 ? now : eventsDoneMillis) - startMillis;
        return new ReplayStats(eventsSent.get(), labelsSent.get(), pending.size(), labelsUnsent, sendErrors.get(), elapsed,
                eventPhase, startMillis);
    }

    private void sendEvent(int index, long now) {
        String id = settings.eventId(index);
        images.copyImage(index % images.count(), pixels, 0);
        float[] features = index >= firstDrifted ? settings.drift().apply(pixels, images.rows(), index) : pixels;
        byte[] value = settings.encoding() == Encoding.BINARY ? frames.write(id, now, features)
                : eventCodec.encode(new Event(id, now, new int[] {images.rows(), images.cols()}, features), Encoding.JSON);
        producer.send(new ProducerRecord<>(eventsTopic, null, now, key(id), value, eventHeaders), eventDone);
    }

    /** Sends the labels due at {@code now}, or once event {@code lastEventSent} is out when labels follow by events. */
    private void sendDueLabels(long now, long lastEventSent) {
        while (!pending.isEmpty() && (settings.labelsDelayedByEvents() ? pending.peekFirst().dueIndex() <= lastEventSent
                : pending.peekFirst().dueMillis() <= now)) {
            PendingLabel due = pending.pollFirst();
            byte[] value = labelCodec.encode(new Label(due.label(), now), Encoding.JSON);
            producer.send(new ProducerRecord<>(labelsTopic, null, now, key(due.eventId()), value), labelDone);
        }
    }

    private Callback counting(AtomicLong sent) {
        return (metadata, error) -> {
            if (error == null) {
                sent.incrementAndGet();
            } else if (sendErrors.incrementAndGet() <= 5) {
                log.error("replay could not send a record: {}", error.toString());
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
