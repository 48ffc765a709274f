package dev.distill.common.event;

import java.util.Map;

/**
 * What one edge device reports about the model it runs; the Kafka key is the device id.
 *
 * @param modelVersion  version being served, 0 when none yet
 * @param probeMetrics  small named measurements (e.g. probe accuracy, latency seconds); never null
 * @param message       free text for humans, empty when there is nothing to say; never null
 */
public record EdgeStatus(String deviceId, String modelName, long modelVersion, Status status, long reportedAt,
                         Map<String, Double> probeMetrics, String message) {

    public static final int MAX_NAME_LENGTH = 256;
    public static final int MAX_MESSAGE_LENGTH = 4096;

    public enum Status { SERVING, UPDATING, REJECTED, ROLLED_BACK, ERROR }

    public EdgeStatus {
        String what = "edge status";
        Checks.nonBlank(deviceId, what, "deviceId", MAX_NAME_LENGTH);
        Checks.nonBlank(modelName, what, "modelName", MAX_NAME_LENGTH);
        Checks.nonNegative(modelVersion, what, "modelVersion");
        if (status == null) {
            throw new IllegalArgumentException(what + ".status must be one of SERVING, UPDATING, REJECTED, ROLLED_BACK, ERROR");
        }
        Checks.nonNegative(reportedAt, what, "reportedAt");
        probeMetrics = Checks.finiteMetrics(probeMetrics, what, "probeMetrics");
        message = message == null ? "" : message;
        if (message.length() > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException(what + ".message is " + message.length() + " characters; at most "
                    + MAX_MESSAGE_LENGTH + " allowed");
        }
    }
}
