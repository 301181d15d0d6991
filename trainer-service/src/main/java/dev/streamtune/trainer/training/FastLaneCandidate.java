package dev.streamtune.trainer.training;

import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.features.CachedFeatures;
import dev.streamtune.trainer.bert.model.BertClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fast-lane candidate: the champion's frozen encoder with a refreshed head. Scores texts from the feature cache (the
 * encoder runs only for texts it has not seen), and can score the champion the same way with the champion's head.
 */
final class FastLaneCandidate implements CandidateModel {

    private final BertModelTrainer.BertCandidate trained;
    private final CachedFeatures features;
    private final PretrainedBert champion;

    FastLaneCandidate(BertModelTrainer.BertCandidate trained, CachedFeatures features, PretrainedBert champion) {
        this.trained = trained;
        this.features = features;
        this.champion = champion;
    }

    private BertClassifier classifier() {
        return trained.result.classifier();
    }

    @Override
    public List<String> labels() {
        return trained.labels();
    }

    @Override
    public List<double[]> predict(List<String> texts) {
        return BertModelTrainer.widen(classifier().probabilitiesFromFeatures(features.features(classifier(), texts)));
    }

    @Override
    public Optional<Classifier> championOnSharedEncoder(ModelManifest manifest) {
        BertClassifier c = classifier();
        boolean same = champion.hasHead()
                && champion.headLabels().equals(manifest.labels())
                && champion.weights().config().numHiddenLayers() == c.config().numHiddenLayers()
                && manifest.maxLength() == c.maxLength()
                && manifest.truncation() == c.truncation()
                && manifest.pooling() == c.pooling();
        return same ? Optional.of(new HeadOnFeatures(champion.head(), champion.headLabels())) : Optional.empty();
    }

    /** A head (the champion's) on this candidate's cached encoder features. */
    private final class HeadOnFeatures implements Classifier {
        private final ClassifierHead head;
        private final List<String> labels;

        HeadOnFeatures(ClassifierHead head, List<String> labels) {
            this.head = head;
            this.labels = labels;
        }

        @Override
        public List<String> labels() {
            return labels;
        }

        @Override
        public List<double[]> predict(List<String> texts) {
            float[][] vectors = features.features(classifier(), texts);
            List<double[]> out = new ArrayList<>(vectors.length);
            for (float[] v : vectors) {
                float[] p = head.probabilities(v);
                double[] d = new double[p.length];
                for (int i = 0; i < p.length; i++) {
                    d[i] = p[i];
                }
                out.add(d);
            }
            return out;
        }

        @Override
        public void close() {}
    }

    @Override
    public void cacheFeatures(List<String> texts) {
        trained.cacheFeatures(texts);
    }

    @Override
    public void export(Path dir) throws IOException {
        trained.export(dir);
    }

    @Override
    public String baseModel() {
        return trained.baseModel();
    }

    @Override
    public int maxLength() {
        return trained.maxLength();
    }

    @Override
    public Truncation truncation() {
        return trained.truncation();
    }

    @Override
    public Pooling pooling() {
        return trained.pooling();
    }

    @Override
    public Map<String, Object> hyperParameters() {
        Map<String, Object> hyper = trained.hyperParameters();
        hyper.put("lane", Lane.FAST.id());
        hyper.put("featuresEncoded", features.encoded());
        hyper.put("featuresFromCache", features.hits());
        return hyper;
    }

    @Override
    public void close() {
        trained.close();
    }
}
