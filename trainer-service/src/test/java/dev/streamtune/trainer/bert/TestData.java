package dev.streamtune.trainer.bert;

import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertConfig;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
        BertConfig config = new BertConfig(30522, 32, 2, 2, 64, 64, 2, 1e-12, BertConfig.GELU, 0);
        return new PretrainedBert(
                "test:tiny-bert", BertWeights.random(config, seed), miniLmTokenizer(), Pooling.MEAN, null, null);
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
