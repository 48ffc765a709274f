package dev.distill.deploy.bench;

import dev.distill.student.training.Batch;
import dev.distill.student.training.OnlineStudent;
import dev.distill.student.training.StudentConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.util.Locale;
import java.util.Random;

/**
 * Raw training-step throughput of the student (no Kafka): the ceiling for the service's training rate. Ends with one
 * machine-readable line {@code student-bench raw_sps=... raw_eps=... ...}.
 *
 * <p>Usage: {@code StudentStepBench [architecture] [batch] [steps] [warmupSteps]}, defaults
 * {@code mlp:784-128-10 64 3000 300}. Run with {@code -Dai.djl.pytorch.num_threads=1 -Dai.djl.offline=true}.
 */
public final class StudentStepBench {

    /** Figures of one run. */
    /**
     * Figures of one run. {@code cpuStepsPerSecond} divides by the training thread's CPU time instead of wall time:
     * with one intra-op thread the native ops run on that thread, so it shows the ceiling on a machine whose cores
     * are shared with other busy processes (wall-clock figures then mostly measure the contention).
     */
    public record Result(String architecture, int batch, int steps, double seconds, double stepsPerSecond,
            double examplesPerSecond, double cpuStepsPerSecond, float firstLoss, float lastLoss) {

        public String line() {
            return String.format(Locale.ROOT,
                    "student-bench raw_sps=%.1f raw_eps=%.0f cpu_sps=%.1f arch=%s batch=%d steps=%d seconds=%.3f "
                            + "first_loss=%.4f last_loss=%.4f",
                    stepsPerSecond, examplesPerSecond, cpuStepsPerSecond, architecture, batch, steps, seconds,
                    firstLoss, lastLoss);
        }
    }

    private StudentStepBench() {}

    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "mlp:784-128-10";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 300;
        System.out.println(run(arch, batch, steps, warmup).line());
    }

    /** Trains {@code warmup} untimed steps, then {@code steps} timed ones on 16 fixed synthetic batches. */
    public static Result run(String architecture, int batch, int steps, int warmup) {
        StudentConfig config = new StudentConfig(architecture, 4f, 0.5f, 1e-3f, batch, 42);
        try (OnlineStudent student = OnlineStudent.create(config, Clock.systemUTC())) {
            Batch[] batches = syntheticBatches(16, batch, (int) student.architecture().sampleSize(),
                    student.architecture().numClasses());
            for (int i = 0; i < warmup; i++) {
                student.step(batches[i % batches.length]);
            }
            float first = student.step(batches[0]).loss();
            float last = first;
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                last = student.step(batches[i % batches.length]).loss();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            return new Result(architecture, batch, steps, seconds, steps / seconds, steps * (double) batch / seconds,
                    cpuSeconds > 0 ? steps / cpuSeconds : Double.NaN, first, last);
        }
    }

    // Learnable structure: the class decides which block of features is bright; teachers are softened one-hots;
    // like the live stream, some rows lack a label and some lack teacher logits.
    private static Batch[] syntheticBatches(int count, int batch, int sampleSize, int classes) {
        Random random = new Random(1);
        Batch[] out = new Batch[count];
        for (int b = 0; b < count; b++) {
            float[] x = new float[batch * sampleSize];
            float[] soft = new float[batch * classes];
            boolean[] hasSoft = new boolean[batch];
            int[] labels = new int[batch];
            for (int r = 0; r < batch; r++) {
                int y = random.nextInt(classes);
                for (int f = 0; f < sampleSize; f++) {
                    boolean bright = f * classes / sampleSize == y;
                    x[r * sampleSize + f] = random.nextFloat() * 0.5f + (bright ? 0.5f : 0f);
                }
                for (int c = 0; c < classes; c++) {
                    soft[r * classes + c] = c == y ? 0.7f : 0.3f / (classes - 1);
                }
                hasSoft[r] = random.nextInt(10) != 0;
                labels[r] = random.nextInt(3) == 0 ? y : Batch.NO_LABEL;
            }
            out[b] = new Batch(batch, x, soft, hasSoft, labels);
        }
        return out;
    }
}
