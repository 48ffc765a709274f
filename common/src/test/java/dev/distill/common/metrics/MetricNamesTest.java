package dev.distill.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricNamesTest {

    private static final String BEGIN = "<!-- BEGIN GENERATED: MetricNames.markdownTable() -->";
    private static final String END = "<!-- END GENERATED -->";

    private static Path metricsDoc() {
        // surefire runs in the module directory; the docs live at the repository root
        for (Path p : List.of(Path.of("..", "docs", "metrics.md"), Path.of("docs", "metrics.md"))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("docs/metrics.md not found from " + Path.of("").toAbsolutePath());
    }

    @Test
    void namesFollowMicrometerConventions() {
        Pattern lowerDotted = Pattern.compile("distill(\\.[a-z]+)+");
        for (MetricNames m : MetricNames.values()) {
            assertThat(m.meterName()).as(m.name()).matches(lowerDotted);
            assertThat(m.description()).as(m.name()).isNotBlank();
            assertThat(m.tagKeys()).as(m.name()).doesNotContain(MetricNames.COMMON_TAG_SERVICE, "event.id", "device.id");
        }
        assertThat(Arrays.stream(MetricNames.values()).map(MetricNames::meterName)).doesNotHaveDuplicates();
    }

    @Test
    void docsTableIsIdenticalToTheEnum() throws IOException {
        String doc = Files.readString(metricsDoc());
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("marker " + BEGIN).isNotNegative();
        assertThat(end).as("marker " + END).isGreaterThan(begin);

        String table = doc.substring(begin + BEGIN.length(), end).strip() + "\n";

        assertThat(table).as("docs/metrics.md is out of date; paste MetricNames.markdownTable() between the markers")
                .isEqualTo(MetricNames.markdownTable());
        for (MetricNames m : MetricNames.values()) {
            assertThat(doc).contains("`" + m.meterName() + "`").contains("`" + m.prometheusName() + "`");
        }
    }

    @Test
    void prometheusNameIsWhatTheScrapeShows() {
        PrometheusMeterRegistry registry = DistillMeterRegistries.bare("test");
        AtomicInteger gaugeValue = new AtomicInteger(1);
        for (MetricNames m : MetricNames.values()) {
            String[] tags = tagsFor(m);
            switch (m.type()) {
                case COUNTER -> m.counter(registry, tags).increment();
                case TIMER -> m.timer(registry, tags).record(5, TimeUnit.MILLISECONDS);
                case DISTRIBUTION_SUMMARY -> m.summary(registry, tags).record(3);
                case GAUGE -> m.gauge(registry, gaugeValue, AtomicInteger::get, tags);
                default -> throw new AssertionError("no test for meter type " + m.type());
            }
        }

        String scrape = registry.scrape();

        for (MetricNames m : MetricNames.values()) {
            String series = m.type() == Meter.Type.TIMER || m.type() == Meter.Type.DISTRIBUTION_SUMMARY
                    ? m.prometheusName() + "_count{" : m.prometheusName() + "{";
            assertThat(scrape).as(m.name()).contains(series);
        }
        assertThat(scrape).contains("service=\"test\"");
    }

    @Test
    void rejectsUndeclaredTagKeys() {
        PrometheusMeterRegistry registry = DistillMeterRegistries.bare("test");

        assertThatThrownBy(() -> MetricNames.LABELS.counter(registry, "event.id", "e-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distill.labels")
                .hasMessageContaining("[event.id]");
    }

    private static String[] tagsFor(MetricNames m) {
        List<String> kv = new ArrayList<>();
        m.tagKeys().forEach(k -> {
            kv.add(k);
            kv.add("v");
        });
        return kv.toArray(String[]::new);
    }
}
