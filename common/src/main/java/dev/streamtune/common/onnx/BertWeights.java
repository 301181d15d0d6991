package dev.streamtune.common.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameters of a BERT encoder keyed by their Hugging Face {@code BertModel} names, without the {@code bert.}
 * prefix a {@code BertFor*} checkpoint adds: {@code embeddings.word_embeddings.weight},
 * {@code encoder.layer.0.attention.self.query.weight}, ... Optional pooler ({@code pooler.dense.*}).
 *
 * <p>Immutable once built; the tensors' arrays are shared, not copied.
 */
public final class BertWeights {

    /** Prefix of encoder parameters in Hugging Face {@code BertFor*} checkpoints. */
    public static final String HF_PREFIX = "bert.";

    public static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";
    public static final String POSITION_EMBEDDINGS = "embeddings.position_embeddings.weight";
    public static final String TOKEN_TYPE_EMBEDDINGS = "embeddings.token_type_embeddings.weight";
    public static final String EMBEDDINGS_LAYER_NORM = "embeddings.LayerNorm";
    public static final String POOLER_DENSE = "pooler.dense";

    private static final Pattern LAYER_NAME = Pattern.compile("encoder\\.layer\\.(\\d{1,6})\\.");

    private final BertConfig config;
    private final Map<String, NamedTensor> tensors;

    private BertWeights(BertConfig config, Map<String, NamedTensor> tensors) {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /**
     * Weights as given; call {@link #validate()} to check them against the config. A {@code bert.} prefix on a name
     * is dropped.
     */
    public static BertWeights of(BertConfig config, Collection<NamedTensor> tensors) {
        Objects.requireNonNull(config, "config");
        Map<String, NamedTensor> byName = new TreeMap<>();
        for (NamedTensor t : tensors) {
            String name = withoutPrefix(t.name());
            NamedTensor named = name.equals(t.name()) ? t : t.renamed(name);
            if (byName.put(name, named) != null) {
                throw new IllegalArgumentException("tensor " + name + " given twice");
            }
        }
        return new BertWeights(config, byName);
    }

    /** Parameter name prefix of encoder layer {@code i}, e.g. {@code encoder.layer.3.}. */
    public static String layerPrefix(int layer) {
        return "encoder.layer." + layer + ".";
    }

    public static String withoutPrefix(String name) {
        return name.startsWith(HF_PREFIX) ? name.substring(HF_PREFIX.length()) : name;
    }

    /** Every parameter a BERT encoder of this config has, with its shape, in model order. */
    public static Map<String, long[]> expectedShapes(BertConfig config, boolean withPooler) {
        long h = config.hiddenSize();
        long ffn = config.intermediateSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(WORD_EMBEDDINGS, new long[] {config.vocabSize(), h});
        shapes.put(POSITION_EMBEDDINGS, new long[] {config.maxPositionEmbeddings(), h});
        shapes.put(TOKEN_TYPE_EMBEDDINGS, new long[] {config.typeVocabSize(), h});
        layerNorm(shapes, EMBEDDINGS_LAYER_NORM, h);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = layerPrefix(i);
            linear(shapes, p + "attention.self.query", h, h);
            linear(shapes, p + "attention.self.key", h, h);
            linear(shapes, p + "attention.self.value", h, h);
            linear(shapes, p + "attention.output.dense", h, h);
            layerNorm(shapes, p + "attention.output.LayerNorm", h);
            linear(shapes, p + "intermediate.dense", ffn, h);
            linear(shapes, p + "output.dense", h, ffn);
            layerNorm(shapes, p + "output.LayerNorm", h);
        }
        if (withPooler) {
            linear(shapes, POOLER_DENSE, h, h);
        }
        return shapes;
    }

    /**
     * Deterministic random weights for tiny test models: matrices and embeddings drawn from N(0, 0.02) as BERT
     * initialises them; biases and LayerNorm parameters are also perturbed a little so that tests exercise them.
     * Each tensor's stream depends only on the seed and its name, so {@code random(c, s).keepLayers(n)} equals
     * {@code random(c.withLayers(n), s)}.
     */
    public static BertWeights random(BertConfig config, boolean withPooler, long seed) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expectedShapes(config, withPooler).entrySet()) {
            tensors.add(randomTensor(e.getKey(), e.getValue(), seed));
        }
        return of(config, tensors);
    }

    public static BertWeights random(BertConfig config, long seed) {
        return random(config, false, seed);
    }

    static NamedTensor randomTensor(String name, long[] shape, long seed) {
        Random random = new Random(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        float[] data = new float[Math.toIntExact(NamedTensor.elementCount(shape))];
        boolean layerNormWeight = name.endsWith("LayerNorm.weight");
        boolean vector = shape.length == 1;
        for (int i = 0; i < data.length; i++) {
            double g = random.nextGaussian();
            data[i] = (float) (layerNormWeight ? 1.0 + 0.1 * g : vector ? 0.05 * g : 0.02 * g);
        }
        return new NamedTensor(name, shape.clone(), data);
    }

    public BertConfig config() {
        return config;
    }

    /** All tensors by name, sorted by name. */
    public Map<String, NamedTensor> tensors() {
        return tensors;
    }

    public NamedTensor tensor(String name) {
        NamedTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name + " in these BERT weights");
        }
        return t;
    }

    public boolean hasPooler() {
        return tensors.containsKey(POOLER_DENSE + ".weight");
    }

    public long parameterCount() {
        long n = 0;
        for (NamedTensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }

    /** Everything wrong with these weights against the config: missing, unexpected and mis-shaped tensors. */
    public List<String> problems() {
        Map<String, long[]> expected = expectedShapes(config, hasPooler());
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            NamedTensor t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey() + Arrays.toString(e.getValue()));
            } else if (!t.hasShape(e.getValue())) {
                misShaped.add(e.getKey() + " is " + Arrays.toString(t.shape()) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (NamedTensor t : tensors.values()) {
            if (!expected.containsKey(t.name())) {
                unexpected.add(t.toString());
            }
        }
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) {
            problems.add(missing.size() + " missing: " + String.join(", ", missing));
        }
        if (!unexpected.isEmpty()) {
            problems.add(unexpected.size() + " unexpected: " + String.join(", ", unexpected));
        }
        if (!misShaped.isEmpty()) {
            problems.add(misShaped.size() + " mis-shaped: " + String.join(", ", misShaped));
        }
        return problems;
    }

    /**
     * Checks every parameter of the config is present with its shape and nothing else is.
     *
     * @return this, for chaining
     * @throws IllegalArgumentException listing every problem at once
     */
    public BertWeights validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "BERT weights do not match the config " + config + ": " + String.join("; ", problems));
        }
        return this;
    }

    /** The embeddings, the first {@code layers} encoder layers and the pooler if any. */
    public BertWeights keepLayers(int layers) {
        BertConfig cut = config.withLayers(layers);
        Map<String, NamedTensor> kept = new TreeMap<>();
        for (NamedTensor t : tensors.values()) {
            Matcher m = LAYER_NAME.matcher(t.name());
            if (m.lookingAt() && Integer.parseInt(m.group(1)) >= layers) {
                continue;
            }
            kept.put(t.name(), t);
        }
        return new BertWeights(cut, kept);
    }

    /** The same parameters under another config (e.g. a different LayerNorm epsilon). */
    public BertWeights withConfig(BertConfig newConfig) {
        return new BertWeights(newConfig, new TreeMap<>(tensors));
    }

    private static void linear(Map<String, long[]> shapes, String prefix, long out, long in) {
        shapes.put(prefix + ".weight", new long[] {out, in});
        shapes.put(prefix + ".bias", new long[] {out});
    }

    private static void layerNorm(Map<String, long[]> shapes, String prefix, long h) {
        shapes.put(prefix + ".weight", new long[] {h});
        shapes.put(prefix + ".bias", new long[] {h});
    }

    @Override
    public String toString() {
        return "BertWeights[" + config + ", " + tensors.size() + " tensors, " + parameterCount() + " parameters]";
    }
}
