package dev.distill.deploy.drift;

import dev.distill.common.serde.MalformedRecordException;
import dev.distill.student.example.EventLookup;
import dev.distill.student.example.TrainingExample;
import dev.distill.student.example.TrainingExampleCodec;
import dev.distill.student.training.Batch;
import dev.distill.student.training.NonFiniteLossException;
import dev.distill.student.training.OnlineStudent;
import dev.distill.student.training.StudentConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The drift scenario's control: the online student without its teacher. It reads the student's examples topic the
 * way the trainer does (one {@code read_committed} consumer over all partitions, from the beginning) and trains the
 * same architecture, from the same starting parameters, with the same optimiser, learning rate and batching, on the
 * labelled examples only, with the hard loss only ({@code alpha = 1}): one step per {@code batchSize} labelled
 * examples, as the online student's steps are full batches too. (It used to step once per {@code batchSize}
 * examples read, on the few labelled ones among them: 6-10x more Adam steps per label than a batch learner, so the
 * comparison was not like for like.)
 *
 * <p>It runs after the stack's trainer has stopped, because the PyTorch engine allows one gradient collector per JVM
 * (notes/djl.md #5); it trains on exactly the examples the stream delivered, in the order the trainer read them, so
 * the result is the one a concurrent labels-only trainer would have reached at the end of the stream.
 */
public final class LabelsOnlyBaseline {

    /** What the baseline learned from. */
    public record Result(byte[] parameters, long examplesRead, long labelledTrained, long steps) {
        public Result {
            parameters = parameters.clone();
        }

        @Override
        public byte[] parameters() {
            return parameters.clone();
        }
    }

    private final StudentConfig config;
    private final byte[] startParameters;

    /**
     * @param studentConfig   the online student's settings; the baseline uses them with {@code alpha = 1}
     * @param startParameters the parameters the online student started from
     */
    public LabelsOnlyBaseline(StudentConfig studentConfig, byte[] startParameters) {
        this.config = new StudentConfig(studentConfig.architecture(), studentConfig.temperature(), 1f,
                studentConfig.learningRate(), studentConfig.batchSize(), studentConfig.seed());
        this.startParameters = startParameters.clone();
    }

    public StudentConfig config() {
        return config;
    }

    /**
     * Trains on the labelled examples of {@code examplesTopic}, up to its end as of the call.
     *
     * @param clientProperties Kafka client settings (bootstrap servers, security); group and serdes are set here
     * @param timeout          how long reading the topic to its end may take
     */
    public Result train(Map<String, Object> clientProperties, String examplesTopic, String eventsTopic,
                        Duration timeout) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "distill-drift-labels-only");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        TrainingExampleCodec codec = new TrainingExampleCodec();
        int classes = config.parsedArchitecture().numClasses();
        int sampleSize = Math.toIntExact(config.parsedArchitecture().sampleSize());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
                EventLookup events = EventLookup.open(clientProperties, "distill-drift-labels-only-events",
                        eventsTopic, 8_192);
                OnlineStudent student = OnlineStudent.warmStart(config, Clock.systemUTC(), startParameters)) {
            List<PartitionInfo> infos = consumer.partitionsFor(examplesTopic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("labels-only baseline: topic " + examplesTopic + " has no partitions");
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(examplesTopic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            long read = 0;
            long labelled = 0;
            // the labelled examples' features, read from the events topic as the trainer reads them
            float[] features = new float[config.batchSize() * sampleSize];
            int[] labels = new int[config.batchSize()];
            int inBatch = 0;
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("labels-only baseline: could not read " + examplesTopic
                            + " to its end " + end + " within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    try {
                        TrainingExample e = codec.decode(r.key(), r.value());
                        if (e.hasLabel() && e.label() < classes) {
                            events.featuresInto(e, features, inBatch * sampleSize, sampleSize, () -> false);
                            labels[inBatch++] = e.label();
                        }
                    } catch (MalformedRecordException e) {
                        // the trainer dead-letters these; they teach neither student
                    }
                    if (inBatch == config.batchSize()) { // like for like: full batches of labels
                        labelled += step(student, features, labels, inBatch, classes);
                        inBatch = 0;
                    }
                }
            }
            labelled += step(student, features, labels, inBatch, classes);
            return new Result(student.parameterBytes(), read, labelled, student.steps());
        }
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Trains the first {@code n} labelled rows of the window's buffers; returns {@code n}. */
    private static int step(OnlineStudent student, float[] features, int[] labels, int n, int classes) {
        if (n == 0) {
            return 0;
        }
        int sampleSize = features.length / labels.length;
        try {
            student.step(new Batch(n, Arrays.copyOf(features, n * sampleSize), new float[n * classes], new boolean[n],
                    Arrays.copyOf(labels, n)));
        } catch (NonFiniteLossException e) {
            // skipped, as the trainer skips it
        }
        return n;
    }
}
