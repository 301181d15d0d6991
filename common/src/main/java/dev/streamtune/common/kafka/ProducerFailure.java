package dev.streamtune.common.kafka;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What a transactional producer's failure means for the code driving it, decided in one place for every
 * transactional loop (after KIP-691 and KIP-1050): retry the same call, abort and go on, replace the producer, or
 * stop. Exceptions are looked at through their cause chain, since the producer wraps the failure of a send in the
 * exception its commit throws.
 */
public enum ProducerFailure {

    /** Transient (a timeout, a coordinator moving): retry the same call. A commit that timed out is not aborted. */
    RETRIABLE,

    /** The transaction cannot commit but the producer is fine: abort it, rewind the input, go on. */
    ABORTABLE,

    /**
     * This producer instance can do nothing more (its state is fatal or unknown, e.g. after an epoch bump or an
     * illegal state transition): close it, create a new one with the same transactional id, rewind.
     */
    REPLACE_PRODUCER,

    /**
     * Another live instance owns the transactional id, or the cluster refuses this client:
     * retrying fights the other instance or the operator. Stop with a clear message.
     */
    FATAL;

    /**
     * How to handle {@code failure}, thrown by a transactional producer call. Only a retriable exception thrown by the
     * call itself is {@link #RETRIABLE}: one found as a cause (a send that timed out, reported by the commit) has
     * already left the transaction unable to commit.
     */
    public static ProducerFailure of(Throwable failure) {
        if (failure instanceof RetriableException) {
            return RETRIABLE;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            ProducerFailure known = classify(t);
            if (known != null) {
                return known;
            }
        }
        return failure instanceof KafkaException ? ABORTABLE : REPLACE_PRODUCER;
    }

    /**
     * Whether {@code failure} is caused by one record (too large, unserializable, refused by the broker), so that the
     * same records will fail the same way: isolating and dead-lettering that record is the way on.
     */
    public static boolean causedByRecord(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RecordTooLargeException
                    || t instanceof RecordBatchTooLargeException
                    || t instanceof InvalidRecordException
                    || t instanceof SerializationException) {
                return true;
            }
        }
        return false;
    }

    private static ProducerFailure classify(Throwable t) {
        if (t instanceof ProducerFencedException
                || t instanceof AuthorizationException
                || t instanceof AuthenticationException
                || t instanceof UnsupportedVersionException
                || t instanceof UnsupportedForMessageFormatException) {
            return FATAL;
        }
        if (t instanceof OutOfOrderSequenceException
                || t instanceof InvalidTxnStateException
                || t instanceof IllegalStateException) {
            // a lost sequence, or a call the producer's state machine refuses: a new producer (initTransactions)
            // starts clean
            return REPLACE_PRODUCER;
        }
        if (t instanceof InvalidProducerEpochException) {
            // the epoch was bumped: by the coordinator (a transaction that timed out: abort and go on, KIP-588) or
            // by another instance with this transactional id (then the abort fails with ProducerFencedException,
            // FATAL). Replacing the producer instead would fence that other instance back, and so on for ever.
            return ABORTABLE;
        }
        if (t instanceof FencedInstanceIdException) {
            // the offsets went with a consumer generation whose member id the group coordinator has since replaced:
            // this consumer rejoined under a new id (a broker restart or pause outlasting its session), or another
            // instance took the group instance id. The producer is fine (the client makes this abortable); in the
            // second case the consumer itself fails with FencedInstanceIdException on its next poll and stops there.
            return ABORTABLE;
        }
        if (t instanceof TransactionAbortableException || causedByRecord(t)) {
            return ABORTABLE;
        }
        return null;
    }
}
