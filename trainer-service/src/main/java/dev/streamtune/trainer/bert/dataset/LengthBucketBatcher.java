package dev.streamtune.trainer.bert.dataset;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Orders training examples into batches of similar length, so that padding each batch to its own longest text wastes
 * little compute: shuffle, cut into pools of {@value #POOL_BATCHES} batches, sort each pool by length, split it into
 * batches, then shuffle the batches. The same seed and epoch give the same batches.
 */
public final class LengthBucketBatcher {

    static final int POOL_BATCHES = 50;

    private LengthBucketBatcher() {}

    /**
     * @param lengths token count of each example
     * @return example indices, batch by batch
     */
    public static List<int[]> batches(int[] lengths, int batchSize, long seed, int epoch) {
        Random random = new Random(seed * 31 + epoch);
        List<Integer> order = new ArrayList<>(lengths.length);
        for (int i = 0; i < lengths.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        List<int[]> batches = new ArrayList<>();
        int pool = batchSize * POOL_BATCHES;
        for (int start = 0; start < order.size(); start += pool) {
            List<Integer> chunk = new ArrayList<>(order.subList(start, Math.min(order.size(), start + pool)));
            chunk.sort(Comparator.comparingInt(i -> lengths[i]));
            for (int b = 0; b < chunk.size(); b += batchSize) {
                List<Integer> part = chunk.subList(b, Math.min(chunk.size(), b + batchSize));
                batches.add(part.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }

    /** Batches in the given order (no shuffling), for evaluation. */
    public static List<int[]> sequential(int count, int batchSize) {
        List<int[]> batches = new ArrayList<>();
        for (int start = 0; start < count; start += batchSize) {
            int end = Math.min(count, start + batchSize);
            int[] batch = new int[end - start];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = start + i;
            }
            batches.add(batch);
        }
        return batches;
    }
}
