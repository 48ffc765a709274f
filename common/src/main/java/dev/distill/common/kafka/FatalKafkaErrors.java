package dev.distill.common.kafka;

import java.util.Optional;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * The errors after which a transactional loop must stop rather than abort and retry (Kafka's
 * {@code ExactlyOnceMessageProcessor}): fenced by a newer instance, not authorised, or a broker that cannot do what
 * is asked. A transactional producer reports a failed send at its next transactional call as a bare
 * {@code KafkaException("Cannot execute transactional method because we are in an error state", cause)}, so the
 * cause chain is searched: a dead letter refused as unauthorised would otherwise be aborted and retried for ever.
 */
public final class FatalKafkaErrors {

    private FatalKafkaErrors() {}

    /** The first fatal error in {@code e}'s cause chain (including {@code e} itself), if any. */
    public static Optional<Throwable> find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthorizationException || t instanceof UnsupportedVersionException
                    || t instanceof ProducerFencedException || t instanceof FencedInstanceIdException
                    || t instanceof OutOfOrderSequenceException) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public static boolean isFatal(Throwable e) {
        return find(e).isPresent();
    }
}
