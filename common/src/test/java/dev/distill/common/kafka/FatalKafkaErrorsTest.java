package dev.distill.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class FatalKafkaErrorsTest {

    @Test
    void findsAnAuthorisationErrorWrappedByTheTransactionalProducersErrorState() {
        // Given what commitTransaction throws after a dead letter was refused (TransactionManager.maybeFailWithError)
        TopicAuthorizationException refused = new TopicAuthorizationException("Not authorized to access topics: [dl]");
        KafkaException atCommit = new KafkaException(
                "Cannot execute transactional method because we are in an error state", refused);

        // Then it is fatal, and the refusal is what is reported
        assertThat(FatalKafkaErrors.isFatal(atCommit)).isTrue();
        assertThat(FatalKafkaErrors.find(atCommit)).containsSame(refused);
    }

    @Test
    void fencingIsFatalAndATimeoutIsNot() {
        assertThat(FatalKafkaErrors.isFatal(new ProducerFencedException("newer producer"))).isTrue();
        assertThat(FatalKafkaErrors.isFatal(new TimeoutException("commit timed out"))).isFalse();
        assertThat(FatalKafkaErrors.isFatal(new KafkaException("error state", new TimeoutException("t")))).isFalse();
    }
}
