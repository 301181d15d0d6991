package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The classify loop's batch limit: measured times are given, so every figure here is exact. */
class BatchBudgetTest {

    private static final long MS = 1_000_000L;

    @Test
    void shouldTakeFullBatchesUntilAnInferenceTimeIsKnown() {
        BatchBudget budget = new BatchBudget(128, Duration.ofMillis(150));

        assertThat(budget.limit(0)).isEqualTo(128);
    }

    @Test
    void shouldCapABatchAtWhatTheEngineClassifiesInTheLatencyBudgetWhileTheLoopKeepsUp() {
        BatchBudget budget = new BatchBudget(128, Duration.ofMillis(150));

        budget.record(10, 250 * MS); // 25 ms per record

        assertThat(budget.limit(0)).isEqualTo(6); // 150 / 25
        assertThat(budget.limit(5)).isEqualTo(6); // fewer waiting than one capped batch: still keeping up
    }

    @Test
    void shouldLetBatchesGrowToTheMaximumWhileMoreRecordsWaitThanACappedBatchHolds() {
        BatchBudget budget = new BatchBudget(128, Duration.ofMillis(150));
        budget.record(10, 250 * MS);

        assertThat(budget.limit(6)).isEqualTo(128);
        assertThat(budget.limit(10_000)).isEqualTo(128);
    }

    @Test
    void shouldFollowTheMeasuredTimePerRecordAsAMovingAverage() {
        BatchBudget budget = new BatchBudget(128, Duration.ofMillis(150));
        budget.record(10, 100 * MS); // 10 ms per record
        assertThat(budget.limit(0)).isEqualTo(15);

        budget.record(4, 200 * MS); // 50 ms: 0.2 * 50 + 0.8 * 10 = 18 ms per record

        assertThat(budget.nanosPerRecord()).isCloseTo(18.0 * MS, org.assertj.core.data.Offset.offset(1.0));
        assertThat(budget.limit(0)).isEqualTo(8); // floor(150 / 18)
    }

    @Test
    void shouldNeverCapBelowOneRecordNorAboveTheMaximum() {
        BatchBudget slow = new BatchBudget(128, Duration.ofMillis(150));
        slow.record(1, 2_000 * MS);
        assertThat(slow.limit(0)).isEqualTo(1);

        BatchBudget fast = new BatchBudget(128, Duration.ofMillis(150));
        fast.record(100, 10 * MS); // 0.1 ms per record: 1,500 in the budget
        assertThat(fast.limit(0)).isEqualTo(128);
    }

    @Test
    void shouldIgnoreBatchesWithoutTextsOrTime() {
        BatchBudget budget = new BatchBudget(128, Duration.ofMillis(150));
        budget.record(0, 100 * MS);
        budget.record(5, 0);

        assertThat(budget.limit(0)).isEqualTo(128);
    }

    @Test
    void shouldNotCapWithoutALatencyBudget() {
        BatchBudget budget = new BatchBudget(128, Duration.ZERO);
        budget.record(10, 250 * MS);

        assertThat(budget.limit(0)).isEqualTo(128);
    }

    @Test
    void shouldRefuseANegativeBudget() {
        assertThatThrownBy(() -> new BatchBudget(128, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
