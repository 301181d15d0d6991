package dev.streamtune.trainer.bert.training;

import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Fine-tuning settings. Defaults follow the BERT recipe (AdamW, lr 5e-5, batch 16, 3 epochs, 10% linear warmup then
 * linear decay, weight decay 0.01 except biases and LayerNorm, gradient norm clipped at 1.0).
 *
 * @param baseModel where the encoder (and tokenizer) come from
 * @param strategy which parameters train; {@link FineTuneStrategy#AUTO} picks by data size
 * @param epochs passes over the training data (full and freeze-bottom strategies)
 * @param batchSize examples per optimizer step (split across devices when there are several)
 * @param learningRate peak AdamW learning rate for the encoder and head
 * @param headLearningRate peak learning rate of the head-only strategy (a lone linear layer wants a larger one)
 * @param headOnlyEpochs passes over the cached features in the head-only strategy (they are cheap)
 * @param weightDecay decoupled weight decay, not applied to biases and LayerNorm parameters
 * @param warmupFraction fraction of the steps the learning rate climbs linearly from 0; then it decays linearly to 0
 * @param maxGradNorm global L2 norm gradients are clipped to; 0 turns clipping off
 * @param maxLength longest token sequence, [CLS] and [SEP] included; longer texts are truncated
 * @param truncation which tokens of a longer text are kept: its beginning, or its beginning and end (recorded in the
 *     manifest, so serving keeps the same)
 * @param layers encoder layers kept from the bottom; null keeps all
 * @param frozenLayers bottom encoder layers kept fixed by {@link FineTuneStrategy#FREEZE_BOTTOM}; null = half
 * @param trainWordEmbeddings whether the (large, mostly unused) word-embedding table trains in the full strategy;
 *     off by default: it holds half of MiniLM's weights, its optimizer update costs 10-20% of a CPU step and small
 *     datasets touch few of its rows
 * @param patience epochs without a better validation macro-F1 before stopping early; the best epoch's weights are kept
 * @param averageEpochs 1 keeps the best epoch's weights; k &gt; 1 keeps the element-wise mean of the weights at the ends
 *     of the last k epochs trained (checkpoint averaging), unless that mean gets more than one validation example
 *     more wrong than the best epoch, when the best epoch's weights are kept after all. On a validation
 *     split too small to tell neighbouring epochs apart the average does not depend on which of them won by one
 *     example
 * @param labelSmoothing cross-entropy label smoothing in [0, 1)
 * @param classWeights per-label loss weights by label name (missing labels weigh 1); null or empty for none. With label
 *     smoothing they weigh as PyTorch's {@code CrossEntropyLoss(weight, label_smoothing)}: each class's smoothed share
 *     by that class's weight, the mean over the true labels' weights
 * @param dropout one dropout rate for the whole network while training: embeddings, every encoder layer (attention
 *     probabilities and both residual branches) and the pooled vector before the head. Checkpoints'
 *     {@code hidden_dropout_prob} / {@code attention_probs_dropout_prob} are not read (BERT and MiniLM use 0.1 for
 *     both, the default here)
 * @param pooling how token vectors become the head's input; null = the base model's own (mean for MiniLM, the
 *     pooler when the checkpoint has one, else [CLS])
 * @param seed seeds shuffling, dropout and head initialisation: same data + seed give the same model
 * @param device {@code cpu}, {@code gpu}, {@code gpu:N}, {@code gpus} (all, data parallel) or {@code auto}
 * @param validationFraction share of the training data held out when no validation set is given
 */
public record FineTuneSettings(
        BaseModelSource baseModel,
        FineTuneStrategy strategy,
        int epochs,
        int batchSize,
        double learningRate,
        double headLearningRate,
        int headOnlyEpochs,
        double weightDecay,
        double warmupFraction,
        double maxGradNorm,
        int maxLength,
        Truncation truncation,
        Integer layers,
        Integer frozenLayers,
        boolean trainWordEmbeddings,
        int patience,
        int averageEpochs,
        double labelSmoothing,
        Map<String, Double> classWeights,
        double dropout,
        Pooling pooling,
        long seed,
        String device,
        double validationFraction) {

    public FineTuneSettings {
        Objects.requireNonNull(baseModel, "baseModel");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(truncation, "truncation");
        classWeights = classWeights == null ? Map.of() : Map.copyOf(classWeights);
        check(epochs >= 1, "epochs must be at least 1");
        check(batchSize >= 1, "batchSize must be at least 1");
        check(learningRate > 0 && learningRate < 1, "learningRate must be in (0, 1)");
        check(headLearningRate > 0 && headLearningRate < 10, "headLearningRate must be in (0, 10)");
        check(headOnlyEpochs >= 1, "headOnlyEpochs must be at least 1");
        check(weightDecay >= 0 && weightDecay < 1, "weightDecay must be in [0, 1)");
        check(warmupFraction >= 0 && warmupFraction < 1, "warmupFraction must be in [0, 1)");
        check(maxGradNorm >= 0, "maxGradNorm must be >= 0");
        check(maxLength >= 8 && maxLength <= 8192, "maxLength must be in [8, 8192]");
        check(layers == null || layers >= 1, "layers must be at least 1");
        check(frozenLayers == null || frozenLayers >= 0, "frozenLayers must be >= 0");
        check(patience >= 0, "patience must be >= 0");
        check(averageEpochs >= 1, "averageEpochs must be at least 1");
        check(labelSmoothing >= 0 && labelSmoothing < 1, "labelSmoothing must be in [0, 1)");
        check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
        check(validationFraction > 0 && validationFraction < 1, "validationFraction must be in (0, 1)");
        classWeights.forEach((label, weight) -> check(
                weight != null && weight > 0 && Double.isFinite(weight), "class weight of " + label + " must be > 0"));
        DeviceSelector.validate(device);
    }

    public static FineTuneSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .optBaseModel(baseModel)
                .optStrategy(strategy)
                .optEpochs(epochs)
                .optBatchSize(batchSize)
                .optLearningRate(learningRate)
                .optHeadLearningRate(headLearningRate)
                .optHeadOnlyEpochs(headOnlyEpochs)
                .optWeightDecay(weightDecay)
                .optWarmupFraction(warmupFraction)
                .optMaxGradNorm(maxGradNorm)
                .optMaxLength(maxLength)
                .optTruncation(truncation)
                .optLayers(layers)
                .optFrozenLayers(frozenLayers)
                .optTrainWordEmbeddings(trainWordEmbeddings)
                .optPatience(patience)
                .optAverageEpochs(averageEpochs)
                .optLabelSmoothing(labelSmoothing)
                .optClassWeights(classWeights)
                .optDropout(dropout)
                .optPooling(pooling)
                .optSeed(seed)
                .optDevice(device)
                .optValidationFraction(validationFraction);
    }

    /** The settings as the manifest's {@code hyperParameters} (strategy as requested; the result says what ran). */
    public Map<String, Object> toHyperParameters() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("baseModel", baseModel.describe());
        map.put("strategy", strategy.name());
        map.put("epochs", epochs);
        map.put("batchSize", batchSize);
        map.put("learningRate", learningRate);
        map.put("headLearningRate", headLearningRate);
        map.put("headOnlyEpochs", headOnlyEpochs);
        map.put("weightDecay", weightDecay);
        map.put("warmupFraction", warmupFraction);
        map.put("maxGradNorm", maxGradNorm);
        map.put("maxLength", maxLength);
        map.put("truncation", truncation.id());
        if (layers != null) {
            map.put("layers", layers);
        }
        if (frozenLayers != null) {
            map.put("frozenLayers", frozenLayers);
        }
        map.put("trainWordEmbeddings", trainWordEmbeddings);
        map.put("patience", patience);
        if (averageEpochs > 1) {
            map.put("averageEpochs", averageEpochs);
        }
        map.put("labelSmoothing", labelSmoothing);
        if (!classWeights.isEmpty()) {
            map.put("classWeights", new java.util.TreeMap<>(classWeights));
        }
        map.put("dropout", dropout);
        if (pooling != null) {
            map.put("pooling", pooling.id());
        }
        map.put("seed", seed);
        map.put("device", device);
        return map;
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Builder; every setting is optional ({@code optX}) and starts at its default. */
    public static final class Builder {
        private BaseModelSource baseModel = BaseModelSource.miniLm();
        private FineTuneStrategy strategy = FineTuneStrategy.AUTO;
        private int epochs = 3;
        private int batchSize = 16;
        private double learningRate = 5e-5;
        private double headLearningRate = 2e-3;
        private int headOnlyEpochs = 40;
        private double weightDecay = 0.01;
        private double warmupFraction = 0.1;
        private double maxGradNorm = 1.0;
        private int maxLength = 128;
        private Truncation truncation = Truncation.HEAD;
        private Integer layers;
        private Integer frozenLayers;
        private boolean trainWordEmbeddings;
        private int patience = 2;
        private int averageEpochs = 1;
        private double labelSmoothing;
        private Map<String, Double> classWeights = Map.of();
        private double dropout = 0.1;
        private Pooling pooling;
        private long seed = 42;
        private String device = "auto";
        private double validationFraction = 0.1;

        private Builder() {}

        public Builder optBaseModel(BaseModelSource baseModel) {
            this.baseModel = baseModel;
            return this;
        }

        public Builder optStrategy(FineTuneStrategy strategy) {
            this.strategy = strategy;
            return this;
        }

        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder optHeadLearningRate(double headLearningRate) {
            this.headLearningRate = headLearningRate;
            return this;
        }

        public Builder optHeadOnlyEpochs(int headOnlyEpochs) {
            this.headOnlyEpochs = headOnlyEpochs;
            return this;
        }

        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optWarmupFraction(double warmupFraction) {
            this.warmupFraction = warmupFraction;
            return this;
        }

        public Builder optMaxGradNorm(double maxGradNorm) {
            this.maxGradNorm = maxGradNorm;
            return this;
        }

        public Builder optMaxLength(int maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        public Builder optTruncation(Truncation truncation) {
            this.truncation = truncation;
            return this;
        }

        public Builder optLayers(Integer layers) {
            this.layers = layers;
            return this;
        }

        public Builder optFrozenLayers(Integer frozenLayers) {
            this.frozenLayers = frozenLayers;
            return this;
        }

        public Builder optTrainWordEmbeddings(boolean trainWordEmbeddings) {
            this.trainWordEmbeddings = trainWordEmbeddings;
            return this;
        }

        public Builder optPatience(int patience) {
            this.patience = patience;
            return this;
        }

        public Builder optAverageEpochs(int averageEpochs) {
            this.averageEpochs = averageEpochs;
            return this;
        }

        public Builder optLabelSmoothing(double labelSmoothing) {
            this.labelSmoothing = labelSmoothing;
            return this;
        }

        public Builder optClassWeights(Map<String, Double> classWeights) {
            this.classWeights = classWeights;
            return this;
        }

        public Builder optDropout(double dropout) {
            this.dropout = dropout;
            return this;
        }

        public Builder optPooling(Pooling pooling) {
            this.pooling = pooling;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optDevice(String device) {
            this.device = device;
            return this;
        }

        public Builder optValidationFraction(double validationFraction) {
            this.validationFraction = validationFraction;
            return this;
        }

        public FineTuneSettings build() {
            return new FineTuneSettings(
                    baseModel,
                    strategy,
                    epochs,
                    batchSize,
                    learningRate,
                    headLearningRate,
                    headOnlyEpochs,
                    weightDecay,
                    warmupFraction,
                    maxGradNorm,
                    maxLength,
                    truncation,
                    layers,
                    frozenLayers,
                    trainWordEmbeddings,
                    patience,
                    averageEpochs,
                    labelSmoothing,
                    classWeights,
                    dropout,
                    pooling,
                    seed,
                    device,
                    validationFraction);
        }
    }
}
