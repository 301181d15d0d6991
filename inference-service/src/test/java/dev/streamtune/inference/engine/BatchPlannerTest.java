package dev.streamtune.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {

    @Test
    void shouldGroupTextsOfOneBucketAndCoverEveryIndexOnce() {
        BatchPlanner planner = new BatchPlanner(4, List.of(8, 16, 32), 1);
        int[] lengths = {30, 5, 12, 7, 6, 31, 15, 8, 9};

        List<int[]> plan = planner.plan(lengths);

        assertThat(plan.stream().flatMapToInt(Arrays::stream).sorted().toArray())
                .containsExactly(IntStream.range(0, lengths.length).toArray());
        assertThat(plan).allSatisfy(group -> assertThat(group.length).isBetween(1, 4));
        // bucket <=8: lengths 5,6,7,8; <=16: 9,12,15; <=32: 30,31
        assertThat(plan).hasSize(3);
        assertThat(lengthsOf(plan.get(0), lengths)).containsExactly(5, 6, 7, 8);
        assertThat(lengthsOf(plan.get(1), lengths)).containsExactly(9, 12, 15);
        assertThat(lengthsOf(plan.get(2), lengths)).containsExactly(30, 31);
    }

    @Test
    void shouldSplitABucketAtTheMaximumBatchSize() {
        BatchPlanner planner = new BatchPlanner(3, List.of(64), 1);

        List<int[]> plan = planner.plan(new int[] {10, 10, 10, 10, 10, 10, 10});

        assertThat(plan).extracting(g -> g.length).containsExactly(3, 3, 1);
    }

    @Test
    void shouldMergeATooSmallBucketIntoTheNextLongerOne() {
        BatchPlanner planner = new BatchPlanner(8, List.of(8, 16), 3);
        int[] lengths = {4, 12, 13, 14, 15};

        List<int[]> plan = planner.plan(lengths);

        assertThat(plan).hasSize(1);
        assertThat(lengthsOf(plan.get(0), lengths)).containsExactly(4, 12, 13, 14, 15);
    }

    @Test
    void shouldPutTextsLongerThanEveryCeilingInTheirOwnGroup() {
        BatchPlanner planner = new BatchPlanner(8, List.of(8), 1);
        int[] lengths = {3, 200, 100};

        List<int[]> plan = planner.plan(lengths);

        assertThat(plan).hasSize(2);
        assertThat(lengthsOf(plan.get(1), lengths)).containsExactly(100, 200);
    }

    private static int[] lengthsOf(int[] group, int[] lengths) {
        return Arrays.stream(group).map(i -> lengths[i]).toArray();
    }
}
