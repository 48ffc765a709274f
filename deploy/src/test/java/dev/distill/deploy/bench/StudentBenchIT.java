package dev.distill.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.data.FashionMnist;
import dev.distill.testsupport.KafkaFixture;
import org.junit.jupiter.api.Test;

/** A shortened student bench on the shared broker: the figures exist and are sane; no speed is asserted. */
class StudentBenchIT {

    @Test
    void measuresRawAndServiceRatesAfterAWarmupPassAndPrintsOneLine() throws Exception {
        // Given a bench of 8 000 examples, one warm-up pass, 4 000 examples timed after 2 000
        StudentBench.Options options = new StudentBench.Options("mlp:784-128-10", 64, 200, 20, 1, 2_000, 4_000,
                8_000, new long[] {2_000, 8_000}, FashionMnist.DEFAULT_DIR);

        // When
        StudentBench.Figures figures = StudentBench.run(KafkaFixture.shared().bootstrapServers(), options);

        // Then
        // (the window opens and closes on whole batches of 64, polled every 2 ms)
        assertThat(figures.serviceExamplesTimed()).isBetween(4_000L - 2 * 64, 8_000L);
        assertThat(figures.serviceEps()).isPositive().isFinite();
        assertThat(figures.rawSps()).isPositive().isFinite();
        assertThat(figures.ratio()).isCloseTo(figures.serviceSps() / figures.rawSps(),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(figures.rssFirstMb()).isPositive();
        assertThat(figures.rssSecondMb()).isPositive();
        assertThat(figures.line()).startsWith("student-bench raw_sps=")
                .contains(" service_sps=", " ratio=", " rss_2k_mb=", " rss_8k_mb=", " warmup_passes=1");
    }
}
