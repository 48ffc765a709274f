package dev.distill.common.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** Builds the one Prometheus registry a service exports on {@code /metrics}. */
public final class DistillMeterRegistries {

    private DistillMeterRegistries() {
    }

    /** A registry whose meters all carry {@code service=<service>}, with JVM memory, thread, CPU and uptime meters. */
    public static PrometheusMeterRegistry prometheus(String service) {
        PrometheusMeterRegistry registry = bare(service);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** Like {@link #prometheus(String)} without the JVM meters (for tests and tools). */
    public static PrometheusMeterRegistry bare(String service) {
        if (service == null || service.isBlank()) {
            throw new IllegalArgumentException("service name must not be blank");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(MetricNames.COMMON_TAG_SERVICE, service);
        return registry;
    }
}
