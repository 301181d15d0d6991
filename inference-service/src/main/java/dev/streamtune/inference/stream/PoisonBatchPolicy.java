package dev.streamtune.inference.stream;

import dev.streamtune.inference.engine.InferenceException;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Decides what the classify loop does after a failed batch, so that a bad record costs only itself and a broker
 * outage costs no record at all:
 *
 * <ul>
 *   <li>an aborted transaction caused by one of its records (too large, unserializable) is split in halves, each
 *       committed on its own, down to the single record, which is tried once more alone (a failure left over from an
 *       earlier transaction is not its fault) and then dead-lettered with the reason;
 *   <li>a batch the engine could not classify at all is retried once, then classified text by text so that only the
 *       texts that fail alone are dead-lettered;
 *   <li>anything else (a timeout, a broker away, no model yet) is retried from the committed offsets after a backoff
 *       that grows with consecutive failures; nothing is dead-lettered for it.
 * </ul>
 */
final class PoisonBatchPolicy {

    private static final long MAX_BACKOFF_MS = 5_000;

    enum Action {
        /** Rewind to the committed offsets and try again after the backoff. */
        RETRY,
        /** Commit each half of the batch on its own. */
        SPLIT,
        /** Commit the one record again on its own before condemning it. */
        RETRY_ALONE,
        /** Dead-letter the one record whose outputs cannot be written. */
        DEAD_LETTER,
        /** Classify the batch's texts one at a time. */
        ISOLATE
    }

    record Decision(Action action, long backoffMs) {}

    private final int inferenceAttempts;
    private int consecutiveFailures;
    private Map<TopicPartition, Long> failedAt = Map.of();
    private int attemptsHere;
    private String failedAlone;

    /** @param inferenceAttempts whole-batch attempts before the texts are classified one at a time */
    PoisonBatchPolicy(int inferenceAttempts) {
        this.inferenceAttempts = inferenceAttempts;
    }

    /**
     * @param records how many input records the aborted transaction held
     * @param first the first of them ({@code topic-partition@offset})
     */
    Decision onAbort(int records, String first, TransactionAbortedException e) {
        if (!e.causedByRecord()) {
            return retry();
        }
        if (records > 1) {
            return new Decision(Action.SPLIT, 0);
        }
        if (first.equals(failedAlone)) {
            failedAlone = null;
            return new Decision(Action.DEAD_LETTER, 0);
        }
        failedAlone = first;
        return new Decision(Action.RETRY_ALONE, 0);
    }

    /** @param position the batch's first offset per partition: the same records failing again have the same one */
    Decision onInferenceFailure(Map<TopicPartition, Long> position, InferenceException e) {
        if (!e.mayBeCausedByTexts()) {
            return retry();
        }
        attemptsHere = position.equals(failedAt) ? attemptsHere + 1 : 1;
        failedAt = position;
        if (attemptsHere >= inferenceAttempts) {
            attemptsHere = 0;
            failedAt = Map.of();
            return new Decision(Action.ISOLATE, 0);
        }
        return retry();
    }

    /** A failure the policy does not decide on (a timeout waiting for the engine): retry after a backoff. */
    Decision onOtherFailure() {
        return retry();
    }

    void onSuccess() {
        consecutiveFailures = 0;
        failedAlone = null;
        attemptsHere = 0;
        failedAt = Map.of();
    }

    private Decision retry() {
        consecutiveFailures++;
        return new Decision(Action.RETRY, Math.min(MAX_BACKOFF_MS, 50L << Math.min(consecutiveFailures, 7)));
    }
}
