package dev.distill.deploy.cli;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.topic.DistillTopics;
import dev.distill.common.topic.TopicProvisioner;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Creates the system's topics where they are missing and says what it did. */
final class Topics {

    private Topics() {}

    static TopicProvisioner.Report provision(DistillConfig config, DistillTopics topics, PrintStream out) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            TopicProvisioner.Report report = new TopicProvisioner(admin, Duration.ofSeconds(30)).provision(topics);
            out.printf("topics: created %s; already there %s%n", report.created(), report.existing());
            report.warnings().forEach(w -> out.println("topics: warning: " + w));
            return report;
        }
    }
}
