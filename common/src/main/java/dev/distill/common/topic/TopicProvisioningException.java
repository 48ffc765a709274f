package dev.distill.common.topic;

/** Topics could not be brought into the shape the services need; the message says what to change. */
public final class TopicProvisioningException extends RuntimeException {

    public TopicProvisioningException(String message) {
        super(message);
    }

    public TopicProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }
}
