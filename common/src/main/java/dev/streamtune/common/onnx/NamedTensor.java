package dev.streamtune.common.onnx;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 parameter tensor, row-major, in PyTorch layout (a Linear weight is {@code [out, in]}).
 *
 * <p>The arrays are not copied (embeddings run to tens of megabytes): treat them as immutable once handed over.
 */
public record NamedTensor(String name, long[] shape, float[] data) {

    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long count = elementCount(shape);
        if (count != data.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + count
                    + " values but data has " + data.length);
        }
    }

    public static NamedTensor of(String name, float[] data, long... shape) {
        return new NamedTensor(name, shape, data);
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    public int size() {
        return data.length;
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /** The same values under another name. */
    public NamedTensor renamed(String newName) {
        return new NamedTensor(newName, shape, data);
    }

    /** Swaps the two axes of a matrix: ONNX exporters store Linear weights as {@code [in, out]}. */
    public NamedTensor transposed() {
        if (shape.length != 2) {
            throw new IllegalStateException(
                    name + ": only a matrix can be transposed, shape " + Arrays.toString(shape));
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[base + c];
            }
        }
        return new NamedTensor(name, new long[] {cols, rows}, out);
    }

    public static long elementCount(long[] shape) {
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    public static String shapeString(long[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor t
                && name.equals(t.name)
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
