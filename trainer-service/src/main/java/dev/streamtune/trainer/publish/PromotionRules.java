package dev.streamtune.trainer.publish;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which versions may go live again by a promotion or rollback: none below {@code minVersion} and none revoked. A
 * validly signed old version stays signed forever; these rules are how an operator takes it out of reach.
 *
 * @param minVersion the oldest version that may be promoted or rolled back to (1: any)
 * @param revoked versions that may never go live again
 */
public record PromotionRules(long minVersion, Set<Long> revoked) {

    public static final PromotionRules NONE = new PromotionRules(1, Set.of());

    public PromotionRules {
        revoked = Set.copyOf(new TreeSet<>(revoked));
    }

    /** Why {@code version} may not go live, or empty when it may. */
    public Optional<String> refusal(String model, long version) {
        if (revoked.contains(version)) {
            return Optional.of(model + " v" + version + " is revoked (streamtune.trainer.promotion.revoked-versions)");
        }
        if (version < minVersion) {
            return Optional.of(model + " v" + version + " is below the promotion floor v" + minVersion
                    + " (streamtune.trainer.promotion.min-version)");
        }
        return Optional.empty();
    }
}
