package dev.distill.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.data.FashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EdgeBenchTest {

    @Test
    void shortRunReportsSizesAccuracyDropAndAllPollsAnswered304() throws Exception {
        // Given a tiny run: 3 versions, 2 poll clients, at most 300 polls
        EdgeBench.Settings settings = new EdgeBench.Settings(FashionMnist.resolveDir(null, System.getenv()),
                "mlp:784-32-10", 960, 32, 10, 2, 300, Duration.ofSeconds(5));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        // When it runs
        EdgeBench.Result r = EdgeBench.run(settings, new PrintStream(progress, true, StandardCharsets.UTF_8));

        // Then it reports every version, int8 about 4x smaller, a small accuracy drop and only 304 polls
        assertThat(r.versions()).hasSize(3);
        assertThat(r.int8Bytes() * 3.5).isLessThan(r.fullBytes());
        assertThat(r.deltaBytes()).isPositive().isLessThan(r.fullBytes() * 1.01);
        assertThat(Math.abs(r.int8AccDrop())).isLessThan(5.0);
        assertThat(r.polls()).isPositive().isLessThanOrEqualTo(300).isEqualTo(r.notModified());
        assertThat(r.line()).startsWith("edge-bench full_bytes=").contains(" delta_bytes=", " int8_bytes=",
                " int8_acc_drop=", " polls_per_s=");
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("v3 (step 30)");
    }

    @Test
    void int8StudentIsAtLeast3point5TimesSmallerAndWithinOnePointOfFp32OnTheTestSplit() throws Exception {
        // Given a student trained as the service would on 6 000 Fashion-MNIST examples (mlp:784-128-10)
        EdgeBench.Settings settings = new EdgeBench.Settings(FashionMnist.resolveDir(null, System.getenv()),
                "mlp:784-128-10", 6_000, 32, 60, 1, 50, Duration.ofSeconds(2));

        // When its last version is quantised to int8 and both are scored on the 10 000-image test split
        EdgeBench.Result r = EdgeBench.run(settings, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));

        // Then the int8 artifact is much smaller and loses at most one point of accuracy
        assertThat(r.fp32Accuracy()).as("a meaningfully trained student").isGreaterThan(0.7);
        assertThat(r.int8Bytes() * 3.5).isLessThan(r.fullBytes());
        assertThat(Math.abs(r.int8AccDrop())).as("accuracy drop in points").isLessThanOrEqualTo(1.0);
    }
}
