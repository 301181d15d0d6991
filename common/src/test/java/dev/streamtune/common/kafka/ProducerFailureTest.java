package dev.streamtune.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.junit.jupiter.api.Test;

class ProducerFailureTest {

    @Test
    void shouldRetryACommitThatTimedOut() {
        assertThat(ProducerFailure.of(new TimeoutException("commit timed out"))).isEqualTo(ProducerFailure.RETRIABLE);
        assertThat(ProducerFailure.of(new NotCoordinatorException("moved"))).isEqualTo(ProducerFailure.RETRIABLE);
    }

    @Test
    void shouldAbortWhenATimedOutSendIsReportedByTheCommit() {
        // the producer is in an abortable error state: retrying the commit would fail forever
        var wrapped = new KafkaException("Cannot execute transactional method", new TimeoutException("send expired"));

        assertThat(ProducerFailure.of(wrapped)).isEqualTo(ProducerFailure.ABORTABLE);
    }

    @Test
    void shouldAbortOnAbortableAndRecordFailures() {
        assertThat(ProducerFailure.of(new TransactionAbortableException("x"))).isEqualTo(ProducerFailure.ABORTABLE);
        assertThat(ProducerFailure.of(new KafkaException("commit failed", new RecordTooLargeException("big"))))
                .isEqualTo(ProducerFailure.ABORTABLE);
        assertThat(ProducerFailure.causedByRecord(new KafkaException(new RecordTooLargeException("big"))))
                .isTrue();
        assertThat(ProducerFailure.causedByRecord(new TimeoutException("x"))).isFalse();
    }

    @Test
    void shouldReplaceTheProducerWhenItsStateIsLost() {
        assertThat(ProducerFailure.of(new IllegalStateException("Invalid transition attempted")))
                .isEqualTo(ProducerFailure.REPLACE_PRODUCER);
        assertThat(ProducerFailure.of(new OutOfOrderSequenceException("lost")))
                .isEqualTo(ProducerFailure.REPLACE_PRODUCER);
        assertThat(ProducerFailure.of(new NullPointerException())).isEqualTo(ProducerFailure.REPLACE_PRODUCER);
    }

    @Test
    void shouldAbortOnABumpedEpochRatherThanFenceWhoeverBumpedIt() {
        // a coordinator that timed the transaction out, or another instance that fenced this one: aborting tells
        // which (the abort of a fenced producer fails with ProducerFencedException); a new producer would fence back
        assertThat(ProducerFailure.of(new KafkaException(new InvalidProducerEpochException("bumped"))))
                .isEqualTo(ProducerFailure.ABORTABLE);
    }

    @Test
    void shouldAbortWhenTheOffsetsCarryAReplacedGroupMember() {
        // FENCED_INSTANCE_ID on a transactional offset commit is abortable for the producer: the consumer rejoined
        // under a new member id; if another instance took the id, the consumer's own poll says so
        assertThat(ProducerFailure.of(new KafkaException(new FencedInstanceIdException("replaced member id"))))
                .isEqualTo(ProducerFailure.ABORTABLE);
    }

    @Test
    void shouldStopWhenFencedOrRefused() {
        assertThat(ProducerFailure.of(new ProducerFencedException("other instance")))
                .isEqualTo(ProducerFailure.FATAL);
        assertThat(ProducerFailure.of(new KafkaException(new ProducerFencedException("wrapped"))))
                .isEqualTo(ProducerFailure.FATAL);
        assertThat(ProducerFailure.of(new TransactionalIdAuthorizationException("acl")))
                .isEqualTo(ProducerFailure.FATAL);
        assertThat(ProducerFailure.of(new TopicAuthorizationException("acl"))).isEqualTo(ProducerFailure.FATAL);
    }
}
