package dev.streamtune.trainer.bert.model;

/** Where a training step's dropout masks are drawn. The result is the same inverted dropout either way. */
public enum DropoutMasks {
    /** {@link #HOST} on CPU, {@link #ENGINE} on GPU. */
    AUTO,
    /**
     * PyTorch's own dropout. On CPU its generator draws every element of a mask one at a time on one thread (its
     * parallel MKL path is taken on Intel CPUs only): profiled here (AMD, 2 cores) at 17 % of a 256-token training step.
     */
    ENGINE,
    /**
     * Drawn in Java: four 16-bit draws from each 64-bit number of a {@link java.util.SplittableRandom} seeded from the
     * run's seed, handed to PyTorch as a byte mask (the keep probability is rounded to a multiple of 1/65,536 and the
     * kept values are scaled by its exact inverse, so the expected activation is unchanged). On CPU only: on a GPU the
     * mask would cross the bus every step.
     */
    HOST;

    /** What {@link #AUTO} means on a device. */
    public DropoutMasks resolve(boolean gpu) {
        return this == AUTO ? (gpu ? ENGINE : HOST) : this;
    }
}
