package dev.streamtune.trainer.bert.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertConfig;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.common.onnx.NamedTensor;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.evaluation.TextClassifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * A BERT classifier in DJL (PyTorch engine): the encoder with Hugging Face semantics and names, its head, the
 * tokenizer and the label names. What fine-tuning trains and what the exporter writes. Holds native memory: close it.
 * Not thread-safe.
 */
public final class BertClassifier implements TextClassifier {

    /** Batch size of prediction and evaluation passes. */
    public static final int PREDICT_BATCH = 32;

    private final Model model;
    private final BertClassifierBlock block;
    private final TextTokenizer tokenizer;
    private final byte[] tokenizerJson;
    private final List<String> labels;
    private final int maxLength;
    private final Truncation truncation;
    private final String baseModel;

    private BertClassifier(Builder b) {
        PretrainedBert base = Objects.requireNonNull(b.base, "setBase is required");
        labels = List.copyOf(Objects.requireNonNull(b.labels, "setLabels is required"));
        if (labels.isEmpty() || labels.stream().distinct().count() != labels.size()) {
            throw new IllegalArgumentException("labels must be non-empty and distinct: " + labels);
        }
        BertWeights weights = base.weights();
        if (b.layers != null && b.layers < weights.config().numHiddenLayers()) {
            weights = weights.keepLayers(b.layers);
        } else if (b.layers != null && b.layers > weights.config().numHiddenLayers()) {
            throw new IllegalArgumentException("cannot keep " + b.layers + " layers of a "
                    + weights.config().numHiddenLayers() + "-layer encoder");
        }
        BertConfig config = weights.config();
        Pooling pooling = b.pooling == null ? base.defaultPooling() : b.pooling;
        if (pooling == Pooling.POOLER && !weights.hasPooler()) {
            throw new IllegalArgumentException("pooling 'pooler' needs a checkpoint with pooler weights");
        }
        if (b.maxLength > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("maxLength " + b.maxLength + " exceeds the encoder's "
                    + config.maxPositionEmbeddings() + " positions");
        }
        maxLength = b.maxLength;
        truncation = Objects.requireNonNull(b.truncation, "truncation");
        baseModel = base.description();
        tokenizerJson = base.tokenizerJson();
        block = new BertClassifierBlock(config, pooling, labels.size(), b.dropout);
        TextTokenizer tok = null;
        Model m = Model.newInstance("streamtune-bert", b.device, "PyTorch");
        try {
            tok = TextTokenizer.fromStream(new java.io.ByteArrayInputStream(tokenizerJson));
            if (tok.vocabSize() > config.vocabSize()) {
                throw new IllegalArgumentException("the tokenizer has " + tok.vocabSize()
                        + " tokens but the word embedding only " + config.vocabSize() + " rows");
            }
            m.setBlock(block);
            Map<String, NamedTensor> tensors = new HashMap<>(weights.validate().tensors());
            ClassifierHead head = initialHead(base, labels, config.hiddenSize(), b.seed);
            tensors.put(ClassifierHead.WEIGHT, head.weight());
            tensors.put(ClassifierHead.BIAS, head.bias());
            NDManager manager = m.getNDManager();
            for (Map.Entry<String, Parameter> e : block.parameters().entrySet()) {
                NamedTensor t = tensors.get(e.getKey());
                if (t == null) {
                    throw new IllegalStateException("no weights for parameter " + e.getKey());
                }
                e.getValue().setArray(manager.create(t.data(), new Shape(t.shape())));
            }
            block.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32);
        } catch (java.io.IOException e) {
            m.close();
            throw new java.io.UncheckedIOException("cannot read the base model's tokenizer", e);
        } catch (RuntimeException e) {
            m.close();
            if (tok != null) {
                tok.close();
            }
            throw e;
        }
        model = m;
        tokenizer = tok;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The head a run starts from: rows of a base head whose label matches are kept, the others drawn afresh. */
    static ClassifierHead initialHead(PretrainedBert base, List<String> labels, int hidden, long seed) {
        Random random = new Random(seed);
        float[] weight = new float[labels.size() * hidden];
        float[] bias = new float[labels.size()];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) (0.02 * random.nextGaussian()); // BERT's initializer range
        }
        if (base.hasHead() && base.head().hiddenSize() == hidden) {
            for (int row = 0; row < labels.size(); row++) {
                int old = base.headLabels().indexOf(labels.get(row));
                if (old >= 0) {
                    System.arraycopy(base.head().weight().data(), old * hidden, weight, row * hidden, hidden);
                    bias[row] = base.head().bias().data()[old];
                }
            }
        }
        return ClassifierHead.of(weight, bias, hidden);
    }

    @Override
    public List<String> labels() {
        return labels;
    }

    @Override
    public int maxLength() {
        return maxLength;
    }

    @Override
    public Truncation truncation() {
        return truncation;
    }

    public String baseModel() {
        return baseModel;
    }

    public BertConfig config() {
        return block.config();
    }

    public Pooling pooling() {
        return block.pooling();
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** The {@code tokenizer.json} bytes the model was trained with. */
    public byte[] tokenizerJson() {
        return tokenizerJson.clone();
    }

    public Model model() {
        return model;
    }

    public BertClassifierBlock block() {
        return block;
    }

    public Device device() {
        return model.getNDManager().getDevice();
    }

    @Override
    public float[][] predictProbabilities(List<String> texts) {
        return predictTokenized(tokenizer.encodeBatch(texts, maxLength, truncation));
    }

    /** Probabilities for already tokenized texts, in their order. */
    public float[][] predictTokenized(List<TokenizedText> texts) {
        return predictTokenized(texts, true);
    }

    /** Logits (the head's outputs before softmax), one row per text: what the export parity check compares too. */
    public float[][] predictLogits(List<String> texts) {
        return predictTokenized(tokenizer.encodeBatch(texts, maxLength, truncation), false);
    }

    private float[][] predictTokenized(List<TokenizedText> texts, boolean softmax) {
        float[][] out = new float[texts.size()][];
        forEachBatch(texts, (manager, store, inputs, rows) -> {
            NDArray logits = block.forward(store, inputs, false).singletonOrThrow();
            float[] flat = (softmax ? logits.softmax(-1) : logits).toFloatArray();
            int k = labels.size();
            for (int i = 0; i < rows.length; i++) {
                out[rows[i]] = Arrays.copyOfRange(flat, i * k, (i + 1) * k);
            }
        });
        return out;
    }

    /** The encoder's last-layer token vectors for a padded batch, flattened {@code [batch, seq, hidden]}. */
    @SuppressWarnings("try") // scope guard: entering and closing it is the point
    public float[] lastHiddenState(TokenBatch batch) {
        try (InferenceMode ignored = InferenceMode.enter();
                NDManager manager = model.getNDManager().newSubManager()) {
            NDList inputs = toInputs(manager, batch);
            return block.encode(new ParameterStore(manager, false), inputs.get(0), inputs.get(1), inputs.get(2), false)
                    .toFloatArray();
        }
    }

    /** The vectors the head reads (no dropout), one row per text, for head-only training. */
    public float[][] pooledFeatures(List<TokenizedText> texts) {
        float[][] out = new float[texts.size()][];
        int hidden = config().hiddenSize();
        forEachBatch(texts, (manager, store, inputs, rows) -> {
            float[] flat = block.pooled(store, inputs.get(0), inputs.get(1), inputs.get(2), false)
                    .toFloatArray();
            for (int i = 0; i < rows.length; i++) {
                out[rows[i]] = Arrays.copyOfRange(flat, i * hidden, (i + 1) * hidden);
            }
        });
        return out;
    }

    /** Probabilities from pooled vectors (as {@link #pooledFeatures} returns them), through the head only. */
    @SuppressWarnings("try") // scope guard: entering and closing it is the point
    public float[][] probabilitiesFromFeatures(float[][] features) {
        int hidden = config().hiddenSize();
        int k = labels.size();
        float[][] out = new float[features.length][];
        try (InferenceMode ignored = InferenceMode.enter()) {
            for (int start = 0; start < features.length; start += PREDICT_BATCH * 8) {
                int end = Math.min(features.length, start + PREDICT_BATCH * 8);
                float[] flat = new float[(end - start) * hidden];
                for (int i = start; i < end; i++) {
                    System.arraycopy(features[i], 0, flat, (i - start) * hidden, hidden);
                }
                try (NDManager manager = model.getNDManager().newSubManager()) {
                    NDArray pooled = manager.create(flat, new Shape(end - start, hidden));
                    float[] p = block.logitsFromPooled(new ParameterStore(manager, false), pooled, false)
                            .softmax(-1)
                            .toFloatArray();
                    for (int i = start; i < end; i++) {
                        out[i] = Arrays.copyOfRange(p, (i - start) * k, (i - start + 1) * k);
                    }
                }
            }
        }
        return out;
    }

    /** The classification head as a block of its own: pooled vectors in, logits out. */
    public ai.djl.nn.Block headBlock() {
        return block.head();
    }

    /** Runs length-sorted batches (less padding) without autograd; {@code rows} are the texts' original indices. */
    @SuppressWarnings("try") // scope guard: entering and closing it is the point
    private void forEachBatch(List<TokenizedText> texts, BatchConsumer consumer) {
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> texts.get(i).length()));
        try (InferenceMode ignored = InferenceMode.enter()) {
            for (int start = 0; start < order.length; start += PREDICT_BATCH) {
                int end = Math.min(order.length, start + PREDICT_BATCH);
                int[] rows = new int[end - start];
                List<TokenizedText> batch = new ArrayList<>(rows.length);
                for (int i = start; i < end; i++) {
                    rows[i - start] = order[i];
                    batch.add(texts.get(order[i]));
                }
                try (NDManager manager = model.getNDManager().newSubManager()) {
                    NDList inputs = toInputs(manager, TokenBatch.pad(batch, tokenizer.padTokenId()));
                    consumer.accept(manager, new ParameterStore(manager, false), inputs, rows);
                }
            }
        }
    }

    /** The three model inputs of a padded batch, on the manager's device. */
    public static NDList toInputs(NDManager manager, TokenBatch batch) {
        Shape shape = new Shape(batch.batchSize(), batch.sequenceLength());
        return new NDList(
                manager.create(batch.inputIds(), shape),
                manager.create(batch.attentionMask(), shape),
                manager.create(batch.tokenTypeIds(), shape));
    }

    /** The encoder's current weights (classifier excluded), copied out of the model. */
    public BertWeights encoderWeights() {
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : block.parameters().entrySet()) {
            if (!e.getKey().startsWith("classifier.")) {
                tensors.add(toTensor(e.getKey(), e.getValue()));
            }
        }
        return BertWeights.of(config(), tensors).validate();
    }

    /** The head's current weights, copied out of the model. */
    public ClassifierHead head() {
        Map<String, Parameter> params = block.parameters();
        return new ClassifierHead(
                toTensor(ClassifierHead.WEIGHT, params.get(ClassifierHead.WEIGHT)),
                toTensor(ClassifierHead.BIAS, params.get(ClassifierHead.BIAS)));
    }

    /** Every parameter's current value by Hugging Face name (head included). */
    public Map<String, NamedTensor> snapshot() {
        Map<String, NamedTensor> map = new LinkedHashMap<>();
        block.parameters().forEach((name, p) -> map.put(name, toTensor(name, p)));
        return map;
    }

    private static NamedTensor toTensor(String name, Parameter p) {
        NDArray array = p.getArray();
        return new NamedTensor(name, array.getShape().getShape(), array.toFloatArray());
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    @FunctionalInterface
    private interface BatchConsumer {
        void accept(NDManager manager, ParameterStore store, NDList inputs, int[] rows);
    }

    /** DJL-style builder: {@code setX} required, {@code optX} optional. */
    public static final class Builder {
        private PretrainedBert base;
        private List<String> labels;
        private Pooling pooling;
        private Integer layers;
        private float dropout = 0.1f;
        private long seed = 42;
        private int maxLength = 128;
        private Truncation truncation = Truncation.HEAD;
        private Device device = Device.cpu();

        private Builder() {}

        public Builder setBase(PretrainedBert base) {
            this.base = base;
            return this;
        }

        /** Label names in the index order of the head's outputs. */
        public Builder setLabels(List<String> labels) {
            this.labels = labels;
            return this;
        }

        /** Null (default) takes the base model's own pooling. */
        public Builder optPooling(Pooling pooling) {
            this.pooling = pooling;
            return this;
        }

        /** Keep only the bottom {@code layers} encoder layers; null keeps all. */
        public Builder optLayers(Integer layers) {
            this.layers = layers;
            return this;
        }

        /** Dropout of the encoder (hidden and attention) and of the head while training. */
        public Builder optDropout(float dropout) {
            this.dropout = dropout;
            return this;
        }

        /** Seeds the rows of the head that do not come from the base model. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optMaxLength(int maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        /** Which tokens of a text longer than the maximum length are kept (default: its beginning). */
        public Builder optTruncation(Truncation truncation) {
            this.truncation = truncation;
            return this;
        }

        public Builder optDevice(Device device) {
            this.device = device;
            return this;
        }

        public BertClassifier build() {
            return new BertClassifier(this);
        }
    }
}
