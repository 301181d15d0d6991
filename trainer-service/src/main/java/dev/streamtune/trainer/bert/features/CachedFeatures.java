package dev.streamtune.trainer.bert.features;

import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.trainer.bert.model.BertClassifier;
import dev.streamtune.trainer.bert.training.FeatureSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A {@link FeatureSource} over a {@link FeatureCache}: the classifier's encoder digest is computed once per classifier,
 * and only the texts the cache lacks are run through the encoder. Counts what it encoded and found.
 */
public final class CachedFeatures implements FeatureSource {

    private static final Logger LOG = Logger.getLogger(CachedFeatures.class);

    private final FeatureCache cache;
    private final AtomicLong encoded = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private BertClassifier digested;
    private String digest;

    public CachedFeatures(FeatureCache cache) {
        this.cache = cache;
    }

    @Override
    public float[][] features(BertClassifier classifier, List<String> texts, List<TokenizedText> tokens) {
        return features(classifier, texts);
    }

    /** The vectors of {@code texts}, tokenizing and encoding only those the cache lacks. */
    public float[][] features(BertClassifier classifier, List<String> texts) {
        String encoder = digest(classifier);
        FeatureCache.Lookup lookup = cache.features(
                encoder,
                texts,
                missing -> classifier.pooledFeatures(
                        classifier.tokenizer().encodeBatch(missing, classifier.maxLength(), classifier.truncation())));
        encoded.addAndGet(lookup.encoded());
        hits.addAndGet(lookup.hits());
        LOG.infof(
                "feature cache: %d of %d texts found, %d encoded (encoder %s)",
                lookup.hits(), texts.size(), lookup.encoded(), encoder.substring(0, 12));
        return lookup.vectors();
    }

    /** The encoder digest of {@code classifier} (computed once per classifier). */
    public synchronized String digest(BertClassifier classifier) {
        if (classifier != digested) {
            digest = EncoderDigest.of(classifier);
            digested = classifier;
        }
        return digest;
    }

    /** Texts run through the encoder so far. */
    public long encoded() {
        return encoded.get();
    }

    /** Texts found in the cache so far. */
    public long hits() {
        return hits.get();
    }
}
