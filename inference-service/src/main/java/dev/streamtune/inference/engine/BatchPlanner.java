package dev.streamtune.inference.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Groups texts by token length so each ONNX Runtime call pads as little as possible: texts are sorted by length, cut
 * at the configured bucket ceilings and at the maximum batch size, and a bucket too small to run efficiently joins
 * the next longer one.
 */
public final class BatchPlanner {

    private final int maxBatch;
    private final int[] ceilings;
    private final int minBucketSize;

    public BatchPlanner(int maxBatch, List<Integer> ceilings, int minBucketSize) {
        if (maxBatch < 1 || minBucketSize < 1) {
            throw new IllegalArgumentException("maxBatch and minBucketSize must be positive");
        }
        this.maxBatch = maxBatch;
        this.ceilings = ceilings.stream().mapToInt(Integer::intValue).sorted().toArray();
        this.minBucketSize = minBucketSize;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Indices into {@code lengths}, grouped; every index appears exactly once. */
    public List<int[]> plan(int[] lengths) {
        Integer[] order = IntStream.range(0, lengths.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
        List<List<Integer>> groups = new ArrayList<>();
        List<Integer> group = new ArrayList<>();
        int groupBucket = -1;
        for (int index : order) {
            int bucket = bucketOf(lengths[index]);
            if (!group.isEmpty() && (bucket != groupBucket || group.size() == maxBatch)) {
                groups.add(group);
                group = new ArrayList<>();
            }
            group.add(index);
            groupBucket = bucket;
        }
        if (!group.isEmpty()) {
            groups.add(group);
        }
        List<int[]> planned = new ArrayList<>(groups.size());
        for (int g = 0; g < groups.size(); g++) {
            List<Integer> current = groups.get(g);
            boolean hasNext = g + 1 < groups.size();
            if (hasNext
                    && current.size() < minBucketSize
                    && current.size() + groups.get(g + 1).size() <= maxBatch) {
                groups.get(g + 1).addAll(0, current); // still sorted: every next text is at least as long
                continue;
            }
            planned.add(current.stream().mapToInt(Integer::intValue).toArray());
        }
        return planned;
    }

    private int bucketOf(int length) {
        for (int i = 0; i < ceilings.length; i++) {
            if (length <= ceilings[i]) {
                return i;
            }
        }
        return ceilings.length;
    }
}
