package dev.streamtune.trainer.bert.training;

import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.trainer.bert.model.BertClassifier;
import java.util.List;

/** Where head-only training gets the encoder's pooled vectors: computed now, or from a cache. */
@FunctionalInterface
public interface FeatureSource {

    /** Encodes every text on the classifier's encoder. */
    FeatureSource DIRECT = (classifier, texts, tokens) -> classifier.pooledFeatures(tokens);

    /** One vector per text, in order; {@code tokens} are {@code texts} tokenized at the classifier's max length. */
    float[][] features(BertClassifier classifier, List<String> texts, List<TokenizedText> tokens);
}
