package dev.distill.deploy.reliability;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.serde.Encoding;
import dev.distill.common.serde.EventCodec;
import dev.distill.common.serde.LabelCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The live stream of the fault-injection suite: a thread producing events at a modest, steady rate and each event's
 * label about {@code labelDelay} later, through broker restarts (an idempotent producer with long delivery timeouts
 * keeps records buffered while the broker is away). Only acknowledged events count as produced, so "lost" in the
 * counts means lost by the services, not by this driver; failed sends are counted separately and must stay at zero.
 *
 * <p>{@link #pause()} stops new events, sends the labels still due and flushes, so that the services can be drained
 * and counted; {@link #resume()} continues with the next event id.
 */
final class StreamDriver implements AutoCloseable {

    private static final int FEATURES = 784;
    private static final int CLASSES = 10;

    private record DueLabel(String id, int label, long due) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final String eventsTopic;
    private final String labelsTopic;
    private final int eventsPerSecond;
    private final Duration labelDelay;
    private final EventCodec events = new EventCodec();
    private final LabelCodec labels = new LabelCodec();
    private final ArrayDeque<DueLabel> dueLabels = new ArrayDeque<>();
    private final Set<String> ackedEvents = ConcurrentHashMap.newKeySet();
    private final Set<String> ackedLabels = ConcurrentHashMap.newKeySet();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private final Thread thread;
    private final Object lock = new Object();
    private boolean pauseRequested;
    private boolean paused;
    private volatile boolean closed;
    private int next;

    StreamDriver(String bootstrapServers, String eventsTopic, String labelsTopic, int eventsPerSecond,
            Duration labelDelay) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "fault-stream-driver",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // a broker restart must delay records, not fail them
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        this.eventsTopic = eventsTopic;
        this.labelsTopic = labelsTopic;
        this.eventsPerSecond = eventsPerSecond;
        this.labelDelay = labelDelay;
        this.thread = new Thread(this::run, "fault-stream-driver");
        this.thread.setDaemon(true);
    }

    StreamDriver start() {
        thread.start();
        return this;
    }

    private void run() {
        long periodNanos = 1_000_000_000L / eventsPerSecond;
        long nextAt = System.nanoTime();
        try {
            while (!closed) {
                synchronized (lock) {
                    if (pauseRequested) {
                        while (!dueLabels.isEmpty()) {
                            sendLabel(dueLabels.poll());
                        }
                        producer.flush();
                        paused = true;
                        lock.notifyAll();
                        while (pauseRequested && !closed) {
                            lock.wait(100);
                        }
                        paused = false;
                        nextAt = System.nanoTime();
                        continue;
                    }
                }
                long now = System.currentTimeMillis();
                while (!dueLabels.isEmpty() && dueLabels.peek().due() <= now) {
                    sendLabel(dueLabels.poll());
                }
                sendEvent(next++, now);
                nextAt += periodNanos;
                long sleep = nextAt - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } else if (sleep < -1_000_000_000L) {
                    nextAt = System.nanoTime(); // after a long block (broker away) do not burst to catch up
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            sendErrors.incrementAndGet();
            lastError.set("driver stopped: " + e);
        }
    }

    private void sendEvent(int n, long now) {
        String id = "fi-" + n;
        Random random = new Random(n);
        int label = n % CLASSES;
        float[] features = new float[FEATURES];
        for (int i = 0; i < FEATURES; i++) {
            // a class-dependent band of brighter pixels plus noise: learnable, but not trivially
            boolean band = i / (FEATURES / CLASSES) == label;
            features[i] = Math.min(1f, (band ? 0.6f : 0.1f) + 0.3f * random.nextFloat());
        }
        RecordHeaders headers = new RecordHeaders();
        Encoding.BINARY.writeTo(headers);
        producer.send(new ProducerRecord<>(eventsTopic, null, now, key(id),
                events.encode(new Event(id, now, new int[] {28, 28}, features), Encoding.BINARY), headers),
                (metadata, error) -> {
                    if (error == null) {
                        ackedEvents.add(id);
                    } else {
                        sendErrors.incrementAndGet();
                        lastError.set("event " + id + ": " + error);
                    }
                });
        dueLabels.add(new DueLabel(id, label, now + labelDelay.toMillis()));
    }

    private void sendLabel(DueLabel l) {
        long now = System.currentTimeMillis();
        producer.send(new ProducerRecord<>(labelsTopic, null, now, key(l.id()),
                labels.encode(new Label(l.label(), now), Encoding.JSON)), (metadata, error) -> {
                    if (error == null) {
                        ackedLabels.add(l.id());
                    } else {
                        sendErrors.incrementAndGet();
                        lastError.set("label " + l.id() + ": " + error);
                    }
                });
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    /** Stops new events, sends the pending labels, flushes; returns once everything sent is acknowledged. */
    void pause() throws InterruptedException {
        synchronized (lock) {
            pauseRequested = true;
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!paused) {
                if (System.nanoTime() > deadline || !thread.isAlive()) {
                    throw new AssertionError("stream driver did not pause: " + lastError.get());
                }
                lock.wait(100);
            }
        }
    }

    void resume() {
        synchronized (lock) {
            pauseRequested = false;
            lock.notifyAll();
        }
    }

    /** Ids of the events the broker acknowledged. */
    Set<String> ackedEvents() {
        return Set.copyOf(ackedEvents);
    }

    int ackedEventCount() {
        return ackedEvents.size();
    }

    int ackedLabelCount() {
        return ackedLabels.size();
    }

    long sendErrors() {
        return sendErrors.get();
    }

    String lastError() {
        return lastError.get();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            thread.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(30));
    }
}
