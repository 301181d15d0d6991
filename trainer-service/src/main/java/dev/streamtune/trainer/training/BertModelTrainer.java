package dev.streamtune.trainer.training;

import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import dev.streamtune.trainer.bert.evaluation.TextClassifier;
import dev.streamtune.trainer.bert.export.BertArtifactExporter;
import dev.streamtune.trainer.bert.features.CachedFeatures;
import dev.streamtune.trainer.bert.training.BertFineTuner;
import dev.streamtune.trainer.bert.training.CancellationToken;
import dev.streamtune.trainer.bert.training.EpochMetrics;
import dev.streamtune.trainer.bert.training.FineTuneListener;
import dev.streamtune.trainer.bert.training.FineTuneResult;
import dev.streamtune.trainer.bert.training.FineTuneSettings;
import dev.streamtune.trainer.bert.training.FineTuneStrategy;
import dev.streamtune.trainer.bert.training.TrainingProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * {@link ModelTrainer} on the BERT library: DJL PyTorch fine-tuning, ONNX export, ONNX Runtime for loading published
 * artifacts. One run at a time (the fine-tuner caches its base model between runs).
 */
public final class BertModelTrainer implements ModelTrainer {

    private final BertFineTuner fineTuner = new BertFineTuner();

    @Override
    public CandidateModel train(TrainingJob job, TrainingListener listener, RunCancellation cancellation) {
        FineTuneSettings settings = fineTuneSettings(job);
        CancellationToken token = new CancellationToken();
        cancellation.onCancel(() -> token.cancel(cancellation.reason()));
        FineTuneListener bridge = new FineTuneListener() {
            @Override
            public void onPhase(String phase, String message) {
                listener.onPhase(phase, message);
            }

            @Override
            public void onStep(TrainingProgress p) {
                listener.onStep(p.epoch(), p.epochs(), p.step(), p.steps(), p.loss(), p.seqPerSec(), p.etaSeconds());
            }

            @Override
            public void onEpoch(EpochMetrics m) {
                listener.onEpoch(
                        m.epoch(),
                        settings.epochs(),
                        m.trainLoss(),
                        m.trainAccuracy(),
                        m.validationLoss(),
                        m.validationAccuracy(),
                        m.validationMacroF1(),
                        m.seconds());
            }
        };
        CachedFeatures features = new CachedFeatures(job.features());
        try {
            FineTuneResult result = fineTuner.fit(
                    texts(job.train()), texts(job.validation()), job.labels(), settings, bridge, token, features);
            result.warnings().forEach(w -> listener.onPhase("training", "warning: " + w));
            if (job.lane() == Lane.FAST) {
                listener.onPhase(
                        "training",
                        "fast lane: head refreshed on the champion's frozen encoder; " + features.encoded()
                                + " texts encoded, " + features.hits() + " taken from the feature cache");
                return new FastLaneCandidate(new BertCandidate(result, features), features, fineTuner.lastBase());
            }
            return new BertCandidate(result, features);
        } catch (CancellationException e) {
            throw new RunCancellation.RunCancelledException(cancellation.reason());
        }
    }

    @Override
    public Classifier load(Path artifactDir, ModelManifest manifest) {
        OnnxTextClassifier onnx = OnnxTextClassifier.open(
                artifactDir.resolve(ModelArtifact.MODEL_FILE),
                artifactDir.resolve(ModelArtifact.TOKENIZER_FILE),
                manifest);
        return new Adapter(onnx);
    }

    static FineTuneStrategy strategy(String name) {
        try {
            return FineTuneStrategy.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown fine-tuning strategy '" + name + "' (auto, full, freeze-bottom, head-only)", e);
        }
    }

    private static List<LabeledText> texts(List<dev.streamtune.common.event.LabeledExample> examples) {
        return examples.stream().map(e -> new LabeledText(e.text(), e.label())).toList();
    }

    static List<double[]> widen(float[][] rows) {
        List<double[]> out = new ArrayList<>(rows.length);
        for (float[] row : rows) {
            double[] d = new double[row.length];
            for (int i = 0; i < row.length; i++) {
                d[i] = row[i];
            }
            out.add(d);
        }
        return out;
    }

    /** A published artifact under ONNX Runtime. */
    static class Adapter implements Classifier {
        private final TextClassifier model;

        Adapter(TextClassifier model) {
            this.model = model;
        }

        @Override
        public List<String> labels() {
            return model.labels();
        }

        @Override
        public List<double[]> predict(List<String> texts) {
            return widen(model.predictProbabilities(texts));
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** The fine-tuned model, still in DJL. */
    static final class BertCandidate extends Adapter implements CandidateModel {
        final FineTuneResult result;
        private final CachedFeatures features;

        BertCandidate(FineTuneResult result, CachedFeatures features) {
            super(result.classifier());
            this.result = result;
            this.features = features;
        }

        @Override
        public void cacheFeatures(List<String> texts) {
            features.features(result.classifier(), texts);
        }

        @Override
        public void export(Path dir) {
            BertArtifactExporter.export(result, dir, null);
        }

        @Override
        public String baseModel() {
            return result.classifier().baseModel();
        }

        @Override
        public int maxLength() {
            return result.classifier().maxLength();
        }

        @Override
        public Truncation truncation() {
            return result.classifier().truncation();
        }

        @Override
        public Pooling pooling() {
            return result.classifier().pooling();
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> hyper = result.hyperParameters();
            hyper.put("trainSeqPerSec", result.trainSeqPerSec());
            return hyper;
        }

        @Override
        public void close() {
            result.close();
        }
    }

    /** What the service's training settings mean for this job's fine-tuning run (the fast lane's head overrides). */
    static FineTuneSettings fineTuneSettings(TrainingJob job) {
        TrainingSettings s = job.settings();
        FineTuneSettings.Builder builder = FineTuneSettings.builder()
                .optBaseModel(job.warmStart()
                        .map(BaseModelSource::artifact)
                        .orElseGet(() -> BaseModelSource.parse(s.baseModel())))
                .optStrategy(job.lane() == Lane.FAST ? FineTuneStrategy.HEAD_ONLY : strategy(s.strategy()))
                .optEpochs(s.epochs())
                .optBatchSize(s.batchSize())
                .optLearningRate(s.learningRate())
                .optMaxLength(s.maxLength())
                .optTruncation(s.truncation())
                // the fast lane keeps the champion's encoder whole: a configured layer count is the slow lane's
                .optLayers(job.lane() == Lane.FAST ? null : s.layers().orElse(null))
                .optSeed(s.seed())
                .optDevice(s.device());
        if (job.lane() == Lane.FAST) {
            // a new label arrives with a handful of examples among hundreds: weigh labels evenly, and let the head's
            // cheap epochs all run (the best one on validation is still kept) so its fresh row has time to learn
            builder.optClassWeights(FastLaneHead.balancedWeights(job.train())).optPatience(Integer.MAX_VALUE);
        } else {
            builder.optAverageEpochs(s.averageEpochs());
        }
        return builder.build();
    }
}
