package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.inference.engine.InferenceException;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class PoisonBatchPolicyTest {

    private final PoisonBatchPolicy policy = new PoisonBatchPolicy(2);
    private final TransactionAbortedException tooLarge =
            new TransactionAbortedException(new KafkaException(new RecordTooLargeException("big")), true);
    private final TransactionAbortedException outage =
            new TransactionAbortedException(new TimeoutException("broker away"), false);

    @Test
    void shouldSplitARecordCausedAbortAndCondemnASingleRecordOnlyWhenItFailsTwiceAlone() {
        assertThat(policy.onAbort(8, "t-0@0", tooLarge).action()).isEqualTo(PoisonBatchPolicy.Action.SPLIT);
        assertThat(policy.onAbort(1, "t-0@3", tooLarge).action()).isEqualTo(PoisonBatchPolicy.Action.RETRY_ALONE);
        assertThat(policy.onAbort(1, "t-0@3", tooLarge).action()).isEqualTo(PoisonBatchPolicy.Action.DEAD_LETTER);
        // another record alone gets its own second chance
        assertThat(policy.onAbort(1, "t-0@4", tooLarge).action()).isEqualTo(PoisonBatchPolicy.Action.RETRY_ALONE);
    }

    @Test
    void shouldNeverDeadLetterForAnOutageButBackOffMoreEachTime() {
        long first = policy.onAbort(1, "t-0@3", outage).backoffMs();
        long second = policy.onAbort(1, "t-0@3", outage).backoffMs();
        for (int i = 0; i < 20; i++) {
            assertThat(policy.onAbort(1, "t-0@3", outage).action()).isEqualTo(PoisonBatchPolicy.Action.RETRY);
        }
        assertThat(second).isGreaterThan(first);
        assertThat(policy.onAbort(1, "t-0@3", outage).backoffMs()).isEqualTo(5_000);
        policy.onSuccess();
        assertThat(policy.onAbort(1, "t-0@3", outage).backoffMs()).isEqualTo(first);
    }

    @Test
    void shouldIsolateTextsOnlyAfterTheSameBatchFailedInTheEngineAgain() {
        var position = Map.of(new TopicPartition("t", 0), 10L);
        var failed = InferenceException.failed("every text failed", null);

        assertThat(policy.onInferenceFailure(position, failed).action()).isEqualTo(PoisonBatchPolicy.Action.RETRY);
        assertThat(policy.onInferenceFailure(position, failed).action()).isEqualTo(PoisonBatchPolicy.Action.ISOLATE);
        assertThat(policy.onInferenceFailure(position, InferenceException.noModel())
                        .action())
                .isEqualTo(PoisonBatchPolicy.Action.RETRY);
        assertThat(policy.onInferenceFailure(position, InferenceException.engineDown("gone", null))
                        .action())
                .isEqualTo(PoisonBatchPolicy.Action.RETRY);
    }
}
