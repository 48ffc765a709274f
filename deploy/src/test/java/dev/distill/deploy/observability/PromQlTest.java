package dev.distill.deploy.observability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void findsTheMetricNamesOfAQueryAndSkipsFunctionsLabelsAndKeywords() {
        assertThat(PromQl.metricNames("sum by (model, component) (rate(distill_student_loss_sum[1m])) "
                + "/ sum by (model, component) (rate(distill_student_loss_count[1m]))"))
                .containsExactly("distill_student_loss_sum", "distill_student_loss_count");
        assertThat(PromQl.metricNames("sum by (model) (increase(distill_edge_updates_total{outcome=\"rejected\","
                + "model=~\"a|b(c)\"}[1h])) > bool 0"))
                .containsExactly("distill_edge_updates_total");
        assertThat(PromQl.metricNames("distill_student_accuracy")).containsExactly("distill_student_accuracy");
        assertThat(PromQl.metricNames("max by (service, client_id) (kafka_consumer_fetch_manager_records_lag_max)"
                + " or on(service) up{job=~\"distill-.*\"} offset 5m"))
                .containsExactly("kafka_consumer_fetch_manager_records_lag_max", "up");
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))"))
                .containsExactly("x_bucket");
    }
}
