package dev.distill.deploy.bench.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Bytes the services wrote to the broker per byte of events in: every topic that grew (logits, examples, Streams
 * changelogs and repartition topics, dead letters, checkpoints, consumer offsets, transaction state) except the
 * producer's events and labels topics, over the events topic's growth.
 */
record WriteAmplification(Map<String, Long> growth, String eventsTopic, String labelsTopic) {

    static WriteAmplification of(Map<String, Long> growth, String eventsTopic, String labelsTopic) {
        if (growth.getOrDefault(eventsTopic, 0L) <= 0) {
            throw new IllegalStateException("the events topic " + eventsTopic + " did not grow on the broker");
        }
        return new WriteAmplification(Map.copyOf(growth), eventsTopic, labelsTopic);
    }

    long eventBytes() {
        return growth.get(eventsTopic);
    }

    long servicesBytes() {
        return growth.entrySet().stream().filter(e -> !e.getKey().equals(eventsTopic) && !e.getKey().equals(labelsTopic))
                .mapToLong(Map.Entry::getValue).sum();
    }

    double ratio() {
        return servicesBytes() / (double) eventBytes();
    }

    /** One line per topic, largest first, with its share of the events' bytes. */
    List<String> describe() {
        List<String> lines = new ArrayList<>();
        growth.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> {
                    String role = e.getKey().equals(eventsTopic) ? "  (input: events)"
                            : e.getKey().equals(labelsTopic) ? "  (input: labels, not counted)" : "";
                    lines.add(String.format(Locale.ROOT, "%-60s %,14d B  %6.3f x events%s", e.getKey(), e.getValue(),
                            e.getValue() / (double) eventBytes(), role));
                });
        lines.add(String.format(Locale.ROOT, "%-60s %,14d B  %6.3f x events", "written by teacher + student",
                servicesBytes(), ratio()));
        return lines;
    }
}
