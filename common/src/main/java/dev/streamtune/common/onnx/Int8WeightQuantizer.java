package dev.streamtune.common.onnx;

/**
 * Symmetric, per-output-channel int8 quantization of a Linear weight, for {@code MatMulInteger}: each output channel
 * {@code o} gets {@code scale[o] = max_i |W[o][i]| / maxLevel} and {@code q = clamp(rint(W / scale), ±maxLevel)}; the
 * zero point is 0.
 *
 * <p>Why {@link #REDUCED_RANGE} (7 bit) is the default: ONNX Runtime's u8s8 kernels on x86 CPUs without VNNI (AVX2,
 * plain AVX-512) multiply with {@code vpmaddubsw}, which adds two {@code uint8 × int8} products into a saturating
 * int16. With 8-bit weights that pair can reach {@code 2 × 255 × 127 = 64 770 > 32 767} and silently clips; with
 * {@code |q| ≤ 63} it stays below {@code 2 × 255 × 63 = 32 130}. ONNX Runtime's own dynamic quantizer offers the same
 * remedy ({@code reduce_range}: 7-bit weights). {@link #FULL_RANGE} is for VNNI/AMX or ARM CPUs only.
 */
public final class Int8WeightQuantizer {

    /** 8-bit symmetric levels; safe only where int8 dot products do not saturate (VNNI, AMX, ARM). */
    public static final int FULL_RANGE = 127;

    /** 7-bit symmetric levels: no int16 saturation in AVX2's u8s8 pair sums. */
    public static final int REDUCED_RANGE = 63;

    private Int8WeightQuantizer() {}

    /**
     * @param inFeatures rows of {@code values} (the MatMul's K)
     * @param outFeatures columns of {@code values} and length of {@code scales} (the MatMul's N)
     * @param values int8 weights in MatMul layout {@code [in, out]} (PyTorch's {@code [out, in]} transposed)
     * @param scales per output channel: {@code W[o][i] ≈ values[i][o] · scales[o]}
     */
    public record QuantizedWeight(int inFeatures, int outFeatures, byte[] values, float[] scales) {

        public int level(int in, int out) {
            return values[in * outFeatures + out];
        }

        public float dequantized(int in, int out) {
            return level(in, out) * scales[out];
        }
    }

    /**
     * @param weight a Linear weight in PyTorch layout {@code [out, in]}
     * @param maxLevel largest absolute quantized value, {@link #REDUCED_RANGE} or {@link #FULL_RANGE}
     */
    public static QuantizedWeight quantize(NamedTensor weight, int maxLevel) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(weight.name() + " is not a matrix: " + weight);
        }
        if (maxLevel < 1 || maxLevel > FULL_RANGE) {
            throw new IllegalArgumentException("maxLevel " + maxLevel + " is outside 1.." + FULL_RANGE);
        }
        int out = (int) weight.dim(0);
        int in = (int) weight.dim(1);
        float[] w = weight.data();
        byte[] values = new byte[in * out];
        float[] scales = new float[out];
        for (int o = 0; o < out; o++) {
            float absMax = 0;
            for (int i = 0; i < in; i++) {
                absMax = Math.max(absMax, Math.abs(w[o * in + i]));
            }
            // an all-zero channel quantizes to zeros under any scale; 1 keeps the rescale finite
            float scale = absMax == 0 ? 1f : absMax / maxLevel;
            scales[o] = scale;
            for (int i = 0; i < in; i++) {
                long q = (long) Math.rint(w[o * in + i] / scale); // half to even, like numpy and ONNX
                values[i * out + o] = (byte) Math.max(-maxLevel, Math.min(maxLevel, q));
            }
        }
        return new QuantizedWeight(in, out, values, scales);
    }
}
