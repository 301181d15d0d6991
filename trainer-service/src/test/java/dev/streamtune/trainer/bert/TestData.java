package dev.streamtune.trainer.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertConfig;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.common.onnx.NamedTensor;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Datasets and tiny models the tests build themselves. */
public final class TestData {

    private static final String[] SPORTS = {
        "match",
        "goal",
        "team",
        "coach",
        "league",
        "striker",
        "referee",
        "season",
        "stadium",
        "penalty",
        "tennis",
        "marathon",
        "score",
        "players",
        "tournament",
        "championship"
    };
    private static final String[] COOKING = {
        "recipe", "oven", "garlic", "butter", "simmer", "flour", "sauce", "onions", "bake", "pasta", "kitchen",
        "spices", "dough", "roast", "soup", "chopped"
    };
    private static final String[] FILLER = {
        "the", "a", "yesterday", "really", "we", "our", "after", "with", "some", "new", "great", "and", "then"
    };

    private TestData() {}

    /** Short sentences about sports or cooking, alternating, reproducible from the seed. */
    public static List<LabeledText> topics(int count, long seed) {
        Random random = new Random(seed);
        List<LabeledText> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean sports = i % 2 == 0;
            String[] words = sports ? SPORTS : COOKING;
            StringBuilder text = new StringBuilder();
            int length = 6 + random.nextInt(8);
            for (int w = 0; w < length; w++) {
                String word = random.nextInt(3) == 0
                        ? words[random.nextInt(words.length)]
                        : FILLER[random.nextInt(FILLER.length)];
                text.append(w == 0 ? "" : " ").append(word);
            }
            text.append(' ').append(words[random.nextInt(words.length)]).append('.');
            out.add(new LabeledText(text.toString(), sports ? "sports" : "cooking"));
        }
        return out;
    }

    /** The same kind of texts with labels drawn at random: nothing to learn, everything to memorise. */
    public static List<LabeledText> noise(int count, long seed) {
        Random random = new Random(seed + 7);
        List<LabeledText> out = new ArrayList<>();
        for (LabeledText t : topics(count, seed)) {
            out.add(new LabeledText(t.text(), random.nextBoolean() ? "sports" : "cooking"));
        }
        return out;
    }

    /** A 2-layer, 32-wide random BERT over the MiniLM tokenizer: fast enough for any unit test. */
    public static PretrainedBert tinyBert(long seed) {
        return new PretrainedBert(
                "test:tiny-bert", BertWeights.random(tinyConfig(), seed), miniLmTokenizer(), Pooling.MEAN, null, null);
    }

    /** The tiny config {@link #tinyBert} uses. */
    public static BertConfig tinyConfig() {
        return new BertConfig(30522, 32, 2, 2, 64, 64, 2, 1e-12, BertConfig.GELU, 0);
    }

    /**
     * Writes a Hugging Face checkpoint directory the way {@code transformers} saves a
     * {@code BertForSequenceClassification}: {@code bert.}-prefixed names (layer 0's LayerNorms under the TF-era names
     * {@code gamma}/{@code beta}), a pre-training head and an integer buffer to be ignored, the classifier, id2label,
     * and the MiniLM tokenizer.
     */
    public static void writeHuggingFaceCheckpoint(
            Path dir, BertWeights weights, ClassifierHead head, List<String> labels) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = weights.config().toHuggingFaceJson();
        config.putArray("architectures").removeAll().add("BertForSequenceClassification");
        config.put("_name_or_path", "tiny-test-bert");
        if (head != null) {
            ObjectNode id2label = config.putObject("id2label");
            for (int i = 0; i < labels.size(); i++) {
                id2label.put(String.valueOf(i), labels.get(i));
            }
        }
        Files.write(dir.resolve("config.json"), Json.write(config));
        Files.write(dir.resolve("tokenizer.json"), miniLmTokenizer());
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            NDList list = new NDList();
            for (NamedTensor t : weights.tensors().values()) {
                String name = "bert." + t.name();
                if (name.startsWith("bert.encoder.layer.0.") && name.contains("LayerNorm")) {
                    name = name.replace("LayerNorm.weight", "LayerNorm.gamma")
                            .replace("LayerNorm.bias", "LayerNorm.beta");
                }
                list.add(named(manager.create(t.data(), new Shape(t.shape())), name));
            }
            list.add(named(manager.arange(0L, 64L).reshape(1, 64), "bert.embeddings.position_ids"));
            list.add(named(manager.zeros(new Shape(weights.config().vocabSize())), "cls.predictions.bias"));
            if (head != null) {
                list.add(named(
                        manager.create(
                                head.weight().data(), new Shape(head.weight().shape())),
                        "classifier.weight"));
                list.add(named(
                        manager.create(head.bias().data(), new Shape(head.bias().shape())), "classifier.bias"));
            }
            Files.write(dir.resolve("model.safetensors"), list.encode(NDList.Encoding.SAFETENSORS));
        }
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    /** Fails naming the first differing index (AssertJ's array diff is quadratic on million-element arrays). */
    public static void assertSameValues(String what, float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.compare(expected[i], actual[i]) != 0) {
                throw new AssertionError(what + ": value " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    public static byte[] miniLmTokenizer() {
        try (InputStream in =
                TestData.class.getClassLoader().getResourceAsStream(TextTokenizer.ALL_MINILM_L6_V2_RESOURCE)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
