package dev.distill.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.CliRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A one-minute soak of the whole local stack: the samples and the closing line, checked for form and sanity. */
class SoakBenchIT {

    private static final Pattern FINAL = Pattern.compile("^soak-bench minutes=(\\S+) rss_start_mb=(\\S+)"
            + " rss_end_mb=(\\S+)"
            + " max_lag=(\\d+) freshness_p50_s=(\\S+) freshness_p99_s=(\\S+) (.*)$", Pattern.MULTILINE);
    private static final Pattern SAMPLE = Pattern.compile(
            "^soak-sample t=(\\d+)s rss_mb=(\\S+) .*ndarrays=(-?\\d+) .*$", Pattern.MULTILINE);

    @TempDir Path home;

    @Test
    void soakSamplesEveryIntervalAndEndsWithTheFiguresLine() {
        // Given a fresh home, so a tiny teacher (mlp:784-32-10, one epoch) is trained in seconds
        // When the stack soaks for a minute at 100 events/s, sampled every 10 s, checkpoints every 3 s
        CliRun run = CliRun.inHome(home, "bench", "soak", "--duration", "60s", "--rate", "100",
                "--sample-every", "10s", "--warmup", "20s", "--label-delay", "2s",
                "--teacher-architecture", "mlp:784-32-10", "--teacher-epochs", "1",
                "-s", "student.checkpoint.every.examples=500", "-s", "student.checkpoint.every.ms=3000");
        int code = run.exitCode();
        String printed = run.out();

        // Then there is a sample at t = 0, 10, ..., 60 s with a resident set and an NDArray count
        assertThat(code).isZero();
        Matcher samples = SAMPLE.matcher(printed);
        List<Long> times = new ArrayList<>();
        while (samples.find()) {
            times.add(Long.parseLong(samples.group(1)));
            assertThat(Double.parseDouble(samples.group(2))).as("rss_mb").isGreaterThan(50);
            assertThat(Long.parseLong(samples.group(3))).as("live NDArrays (the teacher's and student's parameters)")
                    .isPositive();
        }
        assertThat(times).hasSize(7);
        for (int i = 0; i < times.size(); i++) {
            assertThat(times.get(i)).isBetween(i * 10L, i * 10L + 3);
        }
        assertThat(printed).contains("soak trend after warm-up");

        // And the final line carries sane figures
        Matcher m = FINAL.matcher(printed);
        assertThat(m.find()).as("the soak-bench line in:%n%s", printed).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isEqualTo(1.0);
        assertThat(Double.parseDouble(m.group(2))).isGreaterThan(50);
        assertThat(Double.parseDouble(m.group(3))).isGreaterThan(50);
        assertThat(Long.parseLong(m.group(4))).isNotNegative();
        double p50 = Double.parseDouble(m.group(5));
        double p99 = Double.parseDouble(m.group(6));
        assertThat(p50).as("freshness p50: event produced -> edge serving a student trained on it")
                .isBetween(0.1, 60.0);
        assertThat(p99).isBetween(p50, 60.0);
        Map<String, String> rest = keyValues(m.group(7));
        assertThat(rest).containsKeys("rss_growth_after_warmup_pct", "rss_flat",
                "rss_outside_heap_growth_after_warmup_pct", "heap_committed_end_mb", "ndarrays_start", "ndarrays_end",
                "versions_served", "freshness_n");
        assertThat(Double.parseDouble(rest.get("rss_growth_after_warmup_pct"))).isGreaterThanOrEqualTo(0);
        assertThat(Long.parseLong(rest.get("events"))).as("events at 100/s for 60 s").isBetween(5_000L, 6_001L);
        assertThat(Long.parseLong(rest.get("trained"))).isPositive();
        assertThat(Long.parseLong(rest.get("versions_served"))).isGreaterThanOrEqualTo(2);
        assertThat(Long.parseLong(rest.get("freshness_n"))).isPositive();
        assertThat(rest.get("send_errors")).isEqualTo("0");
    }

    private static Map<String, String> keyValues(String text) {
        Map<String, String> kv = new HashMap<>();
        for (String pair : text.trim().split(" ")) {
            String[] parts = pair.split("=", 2);
            kv.put(parts[0], parts.length > 1 ? parts[1] : "");
        }
        return kv;
    }
}
