package dev.streamtune.trainer.dataset;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Assigns an example to a split by a salted hash of its id, so the assignment is the same on every instance and every
 * restart, and a corrected example stays in its split (a test example never leaks into training by being relabeled).
 */
public final class SplitAssigner {

    private final double validationFraction;
    private final double testFraction;
    private final String salt;

    public SplitAssigner(double validationFraction, double testFraction, String salt) {
        if (validationFraction < 0 || testFraction < 0 || validationFraction + testFraction >= 1.0) {
            throw new IllegalArgumentException("validation (" + validationFraction + ") and test (" + testFraction
                    + ") fractions must be non-negative and leave room for training");
        }
        this.validationFraction = validationFraction;
        this.testFraction = testFraction;
        this.salt = salt == null ? "" : salt;
    }

    public Split splitOf(String id) {
        // murmur2: the hash Kafka itself partitions keys with; stable across JVMs and versions
        int hash = Utils.toPositive(Utils.murmur2((salt + ":" + id).getBytes(StandardCharsets.UTF_8)));
        double u = hash / (double) Integer.MAX_VALUE;
        if (u < testFraction) {
            return Split.TEST;
        }
        return u < testFraction + validationFraction ? Split.VALIDATION : Split.TRAIN;
    }
}
