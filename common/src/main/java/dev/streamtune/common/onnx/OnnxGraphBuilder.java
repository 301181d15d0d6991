package dev.streamtune.common.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Appends nodes, initializers and typed inputs/outputs to an ONNX graph with unique, readable names. Tribuo's
 * {@code ONNXContext} is tied to opset 13 and lacks MatMul, LayerNormalization, Erf, Reshape and Transpose, hence this
 * thin layer over the protobuf builders.
 */
final class OnnxGraphBuilder {

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private String scope = "";

    OnnxGraphBuilder(String name) {
        graph.setName(name);
    }

    /** Prefix of the node names created until the next call, e.g. {@code /encoder/layer.0/attention}. */
    void scope(String newScope) {
        this.scope = newScope;
    }

    /** Adds a node with one output named {@code output} (or {@code <scope>/<label>} when null); returns it. */
    String node(String opType, String label, String output, List<String> inputs, OnnxMl.AttributeProto... attrs) {
        String nodeName = unique(scope + "/" + label);
        String out = output == null ? nodeName : claim(output);
        OnnxMl.NodeProto.Builder node = OnnxMl.NodeProto.newBuilder()
                .setOpType(opType)
                .setName(nodeName)
                .addAllInput(inputs)
                .addOutput(out);
        for (OnnxMl.AttributeProto a : attrs) {
            node.addAttribute(a);
        }
        graph.addNode(node);
        return out;
    }

    String node(String opType, String label, List<String> inputs, OnnxMl.AttributeProto... attrs) {
        return node(opType, label, null, inputs, attrs);
    }

    /** Adds a node with several outputs, named {@code <node name>/<suffix>}; returns them in order. */
    List<String> multiOutputNode(String opType, String label, List<String> inputs, String... outputSuffixes) {
        String nodeName = unique(scope + "/" + label);
        OnnxMl.NodeProto.Builder node = OnnxMl.NodeProto.newBuilder()
                .setOpType(opType)
                .setName(nodeName)
                .addAllInput(inputs);
        List<String> outputs = new java.util.ArrayList<>();
        for (String suffix : outputSuffixes) {
            String out = claim(nodeName + "/" + suffix);
            node.addOutput(out);
            outputs.add(out);
        }
        graph.addNode(node);
        return outputs;
    }

    String initializer(NamedTensor tensor) {
        ByteBuffer bytes = ByteBuffer.allocate(tensor.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(tensor.data());
        return initializer(
                tensor.name(),
                OnnxMl.TensorProto.DataType.FLOAT,
                tensor.shape(),
                UnsafeByteOperations.unsafeWrap(bytes.array()));
    }

    /** A float vector initializer. */
    String floatsInitializer(String name, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return initializer(
                name,
                OnnxMl.TensorProto.DataType.FLOAT,
                new long[] {values.length},
                UnsafeByteOperations.unsafeWrap(bytes.array()));
    }

    /** An int8 initializer of the given shape, values in row-major order. */
    String int8Initializer(String name, byte[] values, long... shape) {
        return initializer(
                name, OnnxMl.TensorProto.DataType.INT8, shape, UnsafeByteOperations.unsafeWrap(values.clone()));
    }

    String floatConstant(String name, float value) {
        ByteBuffer bytes =
                ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
        return initializer(name, OnnxMl.TensorProto.DataType.FLOAT, new long[0], ByteString.copyFrom(bytes.array()));
    }

    String longsConstant(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return initializer(
                name,
                OnnxMl.TensorProto.DataType.INT64,
                new long[] {values.length},
                ByteString.copyFrom(bytes.array()));
    }

    String longScalar(String name, long value) {
        ByteBuffer bytes =
                ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        return initializer(name, OnnxMl.TensorProto.DataType.INT64, new long[0], ByteString.copyFrom(bytes.array()));
    }

    private String initializer(String name, OnnxMl.TensorProto.DataType type, long[] shape, ByteString raw) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder().setName(claim(name)).setDataType(type.getNumber());
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t.setRawData(raw));
        return name;
    }

    /** A graph input; each dim is a {@code String} (symbolic) or a {@code Number}. */
    void input(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        graph.addInput(valueInfo(claim(name), type, dims));
    }

    void output(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    OnnxMl.GraphProto build() {
        return graph.build();
    }

    static OnnxMl.AttributeProto intAttr(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    static OnnxMl.AttributeProto floatAttr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    static OnnxMl.AttributeProto intsAttr(String name, long... values) {
        OnnxMl.AttributeProto.Builder a =
                OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String param) {
                dim.setDimParam(param);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        OnnxMl.TypeProto.Tensor tensor = OnnxMl.TypeProto.Tensor.newBuilder()
                .setElemType(type.getNumber())
                .setShape(shape)
                .build();
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor))
                .build();
    }

    private String claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("ONNX name used twice: " + name);
        }
        return name;
    }

    private String unique(String name) {
        String candidate = name;
        for (int i = 1; !names.add(candidate); i++) {
            candidate = name + "_" + i;
        }
        return candidate;
    }
}
