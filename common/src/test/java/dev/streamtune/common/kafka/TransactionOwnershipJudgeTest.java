package dev.streamtune.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.kafka.TransactionOwnership.Verdict;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;

/** The verdict on two reads of the coordinator's record; the reads themselves are tested on a real broker. */
class TransactionOwnershipJudgeTest {

    @Test
    void shouldCallAnAbortNobodyFollowedTheProducersOwn() {
        assertThat(TransactionOwnership.judge(
                        record(TransactionState.COMPLETE_ABORT, 7, 4), record(TransactionState.COMPLETE_ABORT, 7, 4)))
                .isEqualTo(Verdict.ABORTED_ONLY);
    }

    @Test
    void shouldCallAnyUseOfTheIdSinceATakeOver() {
        TransactionDescription aborted = record(TransactionState.COMPLETE_ABORT, 7, 4);
        // another producer's initTransactions, its transaction, its commit, its bumps
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.EMPTY, 7, 5)))
                .isEqualTo(Verdict.TAKEN_OVER);
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.ONGOING, 7, 5)))
                .isEqualTo(Verdict.TAKEN_OVER);
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.COMPLETE_COMMIT, 7, 6)))
                .isEqualTo(Verdict.TAKEN_OVER);
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.COMPLETE_ABORT, 7, 6)))
                .isEqualTo(Verdict.TAKEN_OVER);
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.COMPLETE_ABORT, 8, 0)))
                .as("a new producer id (epoch exhausted)")
                .isEqualTo(Verdict.TAKEN_OVER);
    }

    @Test
    void shouldNotJudgeARecordStillInTransition() {
        TransactionDescription aborted = record(TransactionState.COMPLETE_ABORT, 7, 4);
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.PREPARE_ABORT, 7, 5)))
                .isEqualTo(Verdict.UNKNOWN);
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.PREPARE_EPOCH_FENCE, 7, 5)))
                .isEqualTo(Verdict.UNKNOWN);
        assertThat(TransactionOwnership.judge(aborted, record(TransactionState.UNKNOWN, 7, 4)))
                .isEqualTo(Verdict.UNKNOWN);
    }

    private static TransactionDescription record(TransactionState state, long producerId, int epoch) {
        return new TransactionDescription(1, state, producerId, epoch, 10_000, OptionalLong.empty(), Set.of());
    }
}
