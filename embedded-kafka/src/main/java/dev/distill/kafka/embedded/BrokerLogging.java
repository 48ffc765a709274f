package dev.distill.kafka.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

/**
 * Keeps the in-process broker quiet. Kafka 4 logs through SLF4J (scala-logging for the core, slf4j-api for the
 * Java modules) and ships no binding; at INFO one broker start prints about 2 300 lines. The binding our modules
 * use in tests is slf4j-simple, which reads {@code org.slf4j.simpleLogger.log.<name>} each time a logger is created,
 * so setting those system properties before the broker's classes create their loggers is enough. A level given in
 * {@code simplelogger.properties} or on the command line wins over this default. With another binding these
 * properties are inert and that binding's own configuration decides.
 */
final class BrokerLogging {

    private static final String PREFIX = "org.slf4j.simpleLogger.log.";
    private static final List<String> KAFKA_LOGGERS =
            List.of("kafka", "org.apache.kafka", "state.change.logger", "kafka.request.logger");

    private BrokerLogging() {
    }

    static void quietKafkaLoggers() {
        Properties file = simpleLoggerFile();
        for (String logger : KAFKA_LOGGERS) {
            String key = PREFIX + logger;
            if (System.getProperty(key) == null && file.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    private static Properties simpleLoggerFile() {
        Properties props = new Properties();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream in = (loader != null ? loader : BrokerLogging.class.getClassLoader())
                .getResourceAsStream("simplelogger.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            // Unreadable file: fall back to our defaults, the broker still runs.
        }
        return props;
    }
}
