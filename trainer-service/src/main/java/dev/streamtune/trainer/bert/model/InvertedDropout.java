package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.norm.Dropout;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Inverted dropout while training (each element zeroed with probability {@code rate}, the rest scaled by
 * {@code 1 / (1 - rate)}); the identity otherwise. One instance serves every block of a model, so that a host-drawn
 * mask sequence follows from the seed alone.
 */
abstract class InvertedDropout {

    abstract NDArray apply(NDArray x, float rate, boolean training);

    /** The dropout {@code masks} resolve to on a device, seeded (host masks) with {@code seed}. */
    static InvertedDropout of(DropoutMasks masks, boolean gpu, long seed) {
        return switch (masks.resolve(gpu)) {
            case ENGINE -> new Engine();
            case HOST -> new Host(seed);
            case AUTO -> throw new IllegalStateException("AUTO resolves to ENGINE or HOST");
        };
    }

    /** PyTorch's dropout. */
    static final class Engine extends InvertedDropout {
        @Override
        NDArray apply(NDArray x, float rate, boolean training) {
            return Dropout.dropout(x, rate, training).singletonOrThrow();
        }
    }

    /** Masks drawn in Java ({@link DropoutMasks#HOST}). */
    static final class Host extends InvertedDropout {
        /** Resolution of the keep test: each element keeps iff a 16-bit draw is at least {@code rate · 2^16}. */
        static final int LEVELS = 1 << 16;

        private final SplittableRandom random;
        private byte[] bits = new byte[0];

        Host(long seed) {
            this.random = new SplittableRandom(seed);
        }

        @Override
        NDArray apply(NDArray x, float rate, boolean training) {
            if (!training || rate == 0) {
                return x;
            }
            int threshold = threshold(rate);
            NDManager manager = x.getManager();
            int n = Math.toIntExact(x.getShape().size());
            ByteBuffer mask = manager.allocateDirect(n);
            synchronized (this) {
                if (bits.length < n) {
                    bits = new byte[n];
                }
                fill(bits, n, threshold);
                mask.put(bits, 0, n);
            }
            mask.rewind();
            // zero-copy on CPU: the NDArray holds the buffer; freed with the step's manager and the buffer's cleaner
            NDArray keep = manager.create(mask, x.getShape(), DataType.UINT8);
            return x.mul(keep).muli((float) LEVELS / (LEVELS - threshold));
        }

        /** The keep test's threshold for a dropout rate: the rate rounded to a multiple of 1/65,536. */
        static int threshold(float rate) {
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("dropout rate must be in [0, 1): " + rate);
            }
            return Math.min(LEVELS - 1, Math.round(rate * LEVELS));
        }

        /** Writes {@code n} keep flags (1 keep, 0 drop): four 16-bit draws per 64-bit random number. */
        private void fill(byte[] out, int n, int threshold) {
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                long r = random.nextLong();
                out[i] = keep(r, threshold);
                out[i + 1] = keep(r >>> 16, threshold);
                out[i + 2] = keep(r >>> 32, threshold);
                out[i + 3] = keep(r >>> 48, threshold);
            }
            if (i < n) {
                long r = random.nextLong();
                for (; i < n; i++, r >>>= 16) {
                    out[i] = keep(r, threshold);
                }
            }
        }

        private static byte keep(long draw, int threshold) {
            return (byte) ((draw & 0xFFFF) >= threshold ? 1 : 0);
        }
    }
}
