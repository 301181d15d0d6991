package dev.streamtune.trainer.bert.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.checkpoint.CheckpointLoader;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.dataset.DatasetSplitter;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import dev.streamtune.trainer.bert.dataset.LengthBucketBatcher;
import dev.streamtune.trainer.bert.evaluation.MetricsCalculator;
import dev.streamtune.trainer.bert.model.BertClassifier;
import dev.streamtune.trainer.bert.model.InferenceMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Fine-tunes a BERT classifier with the DJL PyTorch engine: AdamW with decoupled weight decay, linear warmup and
 * decay, global-norm clipping, length-bucketed dynamic padding, early stopping on validation macro-F1 that restores the
 * best epoch, and one of four strategies (see {@link FineTuneStrategy}). One run at a time per JVM (PyTorch has one
 * gradient recorder); the instance may be reused and caches the last base model it loaded.
 */
public final class BertFineTuner {

    private static final Logger LOG = Logger.getLogger(BertFineTuner.class);

    /** Train-minus-validation accuracy gap above which the run warns about overfitting. */
    static final double OVERFIT_ACCURACY_GAP = 0.10;

    private BaseModelSource cachedSource;
    private PretrainedBert cachedBase;

    /**
     * Fine-tunes on {@code train}, selecting the epoch by macro-F1 on {@code validation}.
     *
     * @param validation may be empty: then {@code settings.validationFraction()} of {@code train} is held out
     * @param labels label names in the index order of the model's outputs; every example's label must be one
     * @throws CancellationException when {@code cancellation} fires; nothing is returned and native memory is freed
     * @throws IllegalArgumentException for unusable data or settings, naming the problem
     */
    public FineTuneResult fit(
            List<LabeledText> train,
            List<LabeledText> validation,
            List<String> labels,
            FineTuneSettings settings,
            FineTuneListener listener,
            CancellationToken cancellation) {
        long started = System.nanoTime();
        listener = listener == null ? FineTuneListener.NONE : listener;
        cancellation = cancellation == null ? CancellationToken.none() : cancellation;
        List<String> warnings = new ArrayList<>();
        Map<String, Integer> labelIndex = indexLabels(labels);
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        if (validation == null || validation.isEmpty()) {
            DatasetSplitter.Split split =
                    DatasetSplitter.stratified(train, settings.validationFraction(), settings.seed());
            if (split.holdout().isEmpty() || split.train().isEmpty()) {
                throw new IllegalArgumentException(
                        "no validation set given and " + train.size() + " examples are too few to hold some out");
            }
            warnings.add(String.format(
                    Locale.ROOT,
                    "no validation set given: held out %d of %d training examples",
                    split.holdout().size(),
                    train.size()));
            train = split.train();
            validation = split.holdout();
        }
        int[] trainLabels = labelIds(train, labelIndex, "training");
        int[] validationLabels = labelIds(validation, labelIndex, "validation");
        int[] counts = new int[labels.size()];
        for (int y : trainLabels) {
            counts[y]++;
        }
        dataWarnings(labels, counts, train.size(), validation.size(), settings, warnings);

        Engine engine = Engine.getEngine("PyTorch");
        Device[] devices = DeviceSelector.resolve(settings.device(), engine);
        engine.setRandomSeed((int) settings.seed());
        cancellation.throwIfCancelled();
        listener.onPhase("preparing", "loading " + settings.baseModel().describe());
        PretrainedBert base = loadBase(settings.baseModel());
        BertClassifier classifier = BertClassifier.builder()
                .setBase(base)
                .setLabels(labels)
                .optPooling(settings.pooling())
                .optLayers(settings.layers())
                .optDropout((float) settings.dropout())
                .optSeed(settings.seed())
                .optMaxLength(settings.maxLength())
                .optDevice(devices[0])
                .build();
        try {
            List<TokenizedText> trainTokens = classifier.tokenizer().encodeBatch(texts(train), settings.maxLength());
            List<TokenizedText> validationTokens =
                    classifier.tokenizer().encodeBatch(texts(validation), settings.maxLength());
            truncationWarning(trainTokens, settings.maxLength(), warnings);
            int rarest = Integer.MAX_VALUE;
            for (int c : counts) {
                if (c > 0) {
                    rarest = Math.min(rarest, c);
                }
            }
            StrategyChooser.Choice choice =
                    StrategyChooser.choose(settings.strategy(), train.size(), rarest, devices[0].isGpu());
            LOG.infof(
                    "fine-tuning %s (%d layers, %s pooling) on %d examples, validating on %d, labels %s, devices %s;"
                            + " strategy %s (%s)",
                    classifier.baseModel(),
                    classifier.config().numHiddenLayers(),
                    classifier.pooling().id(),
                    train.size(),
                    validation.size(),
                    labels,
                    java.util.Arrays.toString(devices),
                    choice.strategy(),
                    choice.reason());
            Run run = new Run(
                    classifier,
                    settings,
                    devices,
                    trainLabels,
                    validationLabels,
                    listener,
                    cancellation,
                    warnings,
                    labels);
            if (choice.strategy() == FineTuneStrategy.HEAD_ONLY) {
                run.headOnly(trainTokens, validationTokens);
            } else {
                run.encoder(choice.strategy(), trainTokens, validationTokens);
            }
            cancellation.throwIfCancelled();
            listener.onPhase("evaluating", "validation metrics of epoch " + run.bestEpoch);
            ClassificationMetrics metrics =
                    MetricsCalculator.compute(labels, validationLabels, classifier.predictTokenized(validationTokens));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            LOG.infof(
                    "fine-tuning done in %s: best epoch %d of %d, validation accuracy %.4f macro-F1 %.4f, %.1f seq/s",
                    ProgressMeter.formatSeconds(elapsed.toMillis() / 1000.0),
                    run.bestEpoch,
                    run.history.size(),
                    metrics.accuracy(),
                    metrics.macroF1(),
                    run.meter.meanSeqPerSec());
            warnings.forEach(w -> LOG.warn(w));
            return new FineTuneResult(
                    classifier,
                    run.history,
                    run.bestEpoch,
                    choice.strategy(),
                    choice.reason(),
                    warnings,
                    metrics,
                    train.size(),
                    validation.size(),
                    run.step,
                    run.meter.meanSeqPerSec(),
                    elapsed,
                    settings);
        } catch (RuntimeException | Error e) {
            classifier.close();
            throw e;
        }
    }

    private synchronized PretrainedBert loadBase(BaseModelSource source) {
        if (source.equals(cachedSource) && !(source instanceof BaseModelSource.Artifact)) {
            return cachedBase;
        }
        PretrainedBert base = CheckpointLoader.load(source);
        cachedSource = source;
        cachedBase = base;
        return base;
    }

    /** The state of one run. */
    private static final class Run {
        final BertClassifier classifier;
        final FineTuneSettings settings;
        final Device[] devices;
        final int[] trainLabels;
        final int[] validationLabels;
        final FineTuneListener listener;
        final CancellationToken cancellation;
        final List<String> warnings;
        final List<String> labels;
        final float[] classWeights;
        final List<EpochMetrics> history = new ArrayList<>();
        ProgressMeter meter;
        int bestEpoch;
        long step;

        Run(
                BertClassifier classifier,
                FineTuneSettings settings,
                Device[] devices,
                int[] trainLabels,
                int[] validationLabels,
                FineTuneListener listener,
                CancellationToken cancellation,
                List<String> warnings,
                List<String> labels) {
            this.classifier = classifier;
            this.settings = settings;
            this.devices = devices;
            this.trainLabels = trainLabels;
            this.validationLabels = validationLabels;
            this.listener = listener;
            this.cancellation = cancellation;
            this.warnings = warnings;
            this.labels = labels;
            this.classWeights = classWeights(labels, settings.classWeights());
        }

        /** Full or freeze-bottom: the encoder runs forward and backward on every batch. */
        void encoder(FineTuneStrategy strategy, List<TokenizedText> trainTokens, List<TokenizedText> validationTokens) {
            Map<String, Parameter> params = classifier.block().parameters();
            int layers = classifier.config().numHiddenLayers();
            int frozenLayers = strategy == FineTuneStrategy.FREEZE_BOTTOM
                    ? Math.min(layers, settings.frozenLayers() == null ? layers / 2 : settings.frozenLayers())
                    : 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                e.getValue().freeze(isFrozen(e.getKey(), strategy, frozenLayers));
            }
            long trainable = params.values().stream()
                    .filter(Parameter::requiresGradient)
                    .mapToLong(p -> p.getArray().size())
                    .sum();
            LOG.infof(
                    "%s: %d of %d parameters train (%s)",
                    strategy,
                    trainable,
                    params.values().stream().mapToLong(p -> p.getArray().size()).sum(),
                    strategy == FineTuneStrategy.FULL
                            ? (settings.trainWordEmbeddings() ? "all" : "word embeddings frozen")
                            : "embeddings and the bottom " + frozenLayers + " layers frozen");
            int[] lengths = trainTokens.stream().mapToInt(TokenizedText::length).toArray();
            long padId = classifier.tokenizer().padTokenId();
            loop(
                    classifier.block(),
                    params,
                    settings.epochs(),
                    settings.learningRate(),
                    lengths,
                    (manager, rows) -> {
                        List<TokenizedText> batch = new ArrayList<>(rows.length);
                        for (int row : rows) {
                            batch.add(trainTokens.get(row));
                        }
                        return BertClassifier.toInputs(manager, TokenBatch.pad(batch, padId));
                    },
                    () -> classifier.predictTokenized(validationTokens));
        }

        /** Head-only: pooled encoder outputs computed once; only the classifier trains on them. */
        void headOnly(List<TokenizedText> trainTokens, List<TokenizedText> validationTokens) {
            listener.onPhase("caching-features", "encoding " + trainTokens.size() + " training texts once");
            long t0 = System.nanoTime();
            float[][] trainFeatures = classifier.pooledFeatures(trainTokens);
            cancellation.throwIfCancelled();
            float[][] validationFeatures = classifier.pooledFeatures(validationTokens);
            LOG.infof(
                    "head-only: encoded %d texts in %.1f s",
                    trainTokens.size() + validationTokens.size(), (System.nanoTime() - t0) / 1e9);
            Map<String, Parameter> params = classifier.block().parameters();
            params.forEach((name, p) -> p.freeze(!name.startsWith("classifier.")));
            Map<String, Parameter> head = new LinkedHashMap<>();
            params.forEach((name, p) -> {
                if (name.startsWith("classifier.")) {
                    head.put(name, p);
                }
            });
            int hidden = classifier.config().hiddenSize();
            loop(
                    classifier.headBlock(),
                    head,
                    settings.headOnlyEpochs(),
                    settings.headLearningRate(),
                    new int[trainFeatures.length],
                    (manager, rows) -> {
                        float[] flat = new float[rows.length * hidden];
                        for (int i = 0; i < rows.length; i++) {
                            System.arraycopy(trainFeatures[rows[i]], 0, flat, i * hidden, hidden);
                        }
                        return new NDList(manager.create(flat, new Shape(rows.length, hidden)));
                    },
                    () -> classifier.probabilitiesFromFeatures(validationFeatures));
        }

        /** The epoch loop both strategies share. */
        private void loop(
                Block block,
                Map<String, Parameter> params,
                int epochs,
                double learningRate,
                int[] lengths,
                InputBuilder inputs,
                ValidationPass validate) {
            int n = trainLabels.length;
            int devicesUsed = Math.min(devices.length, settings.batchSize());
            Device[] trainDevices = java.util.Arrays.copyOf(devices, devicesUsed);
            long stepsPerEpoch = (n + settings.batchSize() - 1) / settings.batchSize();
            long totalSteps = stepsPerEpoch * epochs;
            LinearWarmupSchedule schedule =
                    LinearWarmupSchedule.of(learningRate, settings.warmupFraction(), totalSteps);
            Set<String> noDecay = params.entrySet().stream()
                    .filter(e -> e.getKey().endsWith(".bias") || e.getKey().contains("LayerNorm"))
                    .map(e -> e.getValue().getId())
                    .collect(Collectors.toSet());
            List<Parameter> trainable =
                    params.values().stream().filter(Parameter::requiresGradient).toList();
            meter = new ProgressMeter(listener, "fine-tune", totalSteps, epochs);
            SoftTargetCrossEntropyLoss loss = new SoftTargetCrossEntropyLoss();
            double bestF1 = Double.NEGATIVE_INFINITY;
            int sinceBest = 0;
            Map<Parameter, NDArray> best = new HashMap<>();
            NDManager modelManager = classifier.model().getNDManager();
            try (DecoupledAdamW optimizer = new DecoupledAdamW(schedule, settings.weightDecay(), noDecay);
                    NDManager runManager = modelManager.newSubManager()) {
                // what DJL's Trainer does, with the store in reach: mirrors on every device, gradients summed on
                // the first, the optimizer applied to each mirror
                ParameterStore store = new ParameterStore(runManager, false);
                store.setParameterServer(modelManager.getEngine().newParameterServer(optimizer), trainDevices);
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    long epochStart = System.nanoTime();
                    double lossSum = 0;
                    long correct = 0;
                    for (int[] batch :
                            LengthBucketBatcher.batches(lengths, settings.batchSize(), settings.seed(), epoch)) {
                        cancellation.throwIfCancelled();
                        long stepStart = System.nanoTime();
                        step++;
                        StepResult r =
                                step(block, store, runManager, optimizer, trainable, trainDevices, batch, inputs, loss);
                        lossSum += r.loss * batch.length;
                        correct += r.correct;
                        meter.stepDone(
                                epoch,
                                step,
                                batch.length,
                                r.loss,
                                System.nanoTime() - stepStart,
                                optimizer.learningRate());
                    }
                    cancellation.throwIfCancelled();
                    float[][] probabilities = validate.run();
                    ClassificationMetrics val = MetricsCalculator.compute(labels, validationLabels, probabilities);
                    EpochMetrics m = new EpochMetrics(
                            epoch,
                            lossSum / n,
                            (double) correct / n,
                            val.loss(),
                            val.accuracy(),
                            val.macroF1(),
                            (System.nanoTime() - epochStart) / 1e9);
                    history.add(m);
                    listener.onEpoch(m);
                    LOG.infof(
                            "epoch %d/%d: train loss %.4f acc %.4f | validation loss %.4f acc %.4f macro-F1 %.4f"
                                    + " (%.1f s)",
                            epoch,
                            epochs,
                            m.trainLoss(),
                            m.trainAccuracy(),
                            m.validationLoss(),
                            m.validationAccuracy(),
                            m.validationMacroF1(),
                            m.seconds());
                    overfittingWarning();
                    if (val.macroF1() > bestF1 + 1e-9) {
                        bestF1 = val.macroF1();
                        bestEpoch = epoch;
                        sinceBest = 0;
                        if (epoch < epochs) {
                            snapshot(trainable, best);
                        }
                    } else if (++sinceBest > settings.patience() - 1 && epoch < epochs) {
                        LOG.infof(
                                "early stopping after epoch %d: macro-F1 has not improved for %d epoch(s)",
                                epoch, sinceBest);
                        break;
                    }
                }
                if (bestEpoch != history.size()) {
                    restore(best);
                    LOG.infof("restored the weights of epoch %d (best validation macro-F1 %.4f)", bestEpoch, bestF1);
                }
            } finally {
                best.values().forEach(NDArray::close);
            }
        }

        private record StepResult(double loss, long correct) {}

        private StepResult step(
                Block block,
                ParameterStore store,
                NDManager runManager,
                DecoupledAdamW optimizer,
                List<Parameter> trainable,
                Device[] trainDevices,
                int[] batch,
                InputBuilder inputs,
                SoftTargetCrossEntropyLoss loss) {
            int k = labels.size();
            double normalizer = SoftTargetCrossEntropyLoss.normalizer(trainLabels, batch, classWeights);
            List<int[]> parts = splitRows(batch, trainDevices.length);
            List<NDManager> managers = new ArrayList<>();
            try {
                double lossValue = 0;
                long correct = 0;
                try (GradientCollector collector = runManager.getEngine().newGradientCollector()) {
                    for (int d = 0; d < parts.size(); d++) {
                        int[] rows = parts.get(d);
                        NDManager manager = runManager.newSubManager(trainDevices[d]);
                        managers.add(manager);
                        NDArray logits = block.forward(store, inputs.build(manager, rows), true)
                                .singletonOrThrow();
                        NDArray targets = manager.create(
                                SoftTargetCrossEntropyLoss.targets(
                                        trainLabels, rows, k, classWeights, settings.labelSmoothing(), normalizer),
                                new Shape(rows.length, k));
                        NDArray l = loss.evaluate(new NDList(targets), new NDList(logits));
                        collector.backward(l);
                        lossValue += l.getFloat(); // the parts' losses add up to the batch's mean loss
                        long[] predicted = logits.argMax(1).toLongArray();
                        for (int i = 0; i < rows.length; i++) {
                            if (predicted[i] == trainLabels[rows[i]]) {
                                correct++;
                            }
                        }
                    }
                }
                float scale = 1f;
                if (settings.maxGradNorm() > 0) {
                    double norm = gradientNorm(store, trainable, trainDevices, managers.get(0));
                    if (!Double.isFinite(norm)) {
                        throw new IllegalStateException("gradient norm is " + norm + " at step " + step
                                + ": training diverged (lower the learning rate)");
                    }
                    if (norm > settings.maxGradNorm()) {
                        scale = (float) (settings.maxGradNorm() / (norm + 1e-6));
                    }
                }
                optimizer.beginStep(step, scale);
                store.updateAllParameters();
                return new StepResult(lossValue, correct);
            } finally {
                managers.forEach(NDManager::close);
            }
        }

        /** L2 norm of the whole gradient; with several devices, of the sum of their gradients. */
        private static double gradientNorm(
                ParameterStore store, List<Parameter> trainable, Device[] trainDevices, NDManager scratch) {
            try (NDManager manager = scratch.newSubManager()) {
                NDArray total = null;
                for (Parameter p : trainable) {
                    NDArray grad = null;
                    for (Device device : trainDevices) {
                        NDArray g = store.getValue(p, device, true).getGradient();
                        g.attach(manager); // the wrapper would otherwise stay in the model's manager
                        grad = grad == null ? g : grad.add(g.toDevice(trainDevices[0], false));
                    }
                    NDArray squares = grad.square().sum();
                    total = total == null ? squares : total.add(squares);
                }
                return total == null ? 0 : Math.sqrt(total.getFloat());
            }
        }

        private void snapshot(List<Parameter> trainable, Map<Parameter, NDArray> best) {
            best.values().forEach(NDArray::close);
            best.clear();
            for (Parameter p : trainable) {
                NDArray copy = p.getArray().duplicate();
                copy.detach();
                best.put(p, copy);
            }
        }

        private static void restore(Map<Parameter, NDArray> best) {
            try (InferenceMode ignored = InferenceMode.enter()) {
                best.forEach((p, saved) -> p.getArray().set(saved.toByteBuffer()));
            }
        }

        /** Warns once per epoch when validation loss rises while training loss falls and accuracies drift apart. */
        private void overfittingWarning() {
            int size = history.size();
            if (size < 2) {
                return;
            }
            EpochMetrics prev = history.get(size - 2);
            EpochMetrics last = history.get(size - 1);
            double gap = last.trainAccuracy() - last.validationAccuracy();
            if (last.validationLoss() > prev.validationLoss()
                    && last.trainLoss() < prev.trainLoss()
                    && (gap > OVERFIT_ACCURACY_GAP
                            || last.validationLoss() - last.trainLoss() > prev.validationLoss() - prev.trainLoss())) {
                String warning = String.format(
                        Locale.ROOT,
                        "overfitting at epoch %d: training loss fell %.4f -> %.4f while validation loss rose %.4f"
                                + " -> %.4f (train accuracy %.4f, validation %.4f); early stopping keeps the best"
                                + " epoch",
                        last.epoch(),
                        prev.trainLoss(),
                        last.trainLoss(),
                        prev.validationLoss(),
                        last.validationLoss(),
                        last.trainAccuracy(),
                        last.validationAccuracy());
                warnings.add(warning);
                LOG.warn(warning);
            }
        }

        private boolean isFrozen(String name, FineTuneStrategy strategy, int frozenLayers) {
            if (name.startsWith("classifier.")) {
                return false;
            }
            if (strategy == FineTuneStrategy.FULL) {
                return name.equals(dev.streamtune.common.onnx.BertWeights.WORD_EMBEDDINGS)
                        && !settings.trainWordEmbeddings();
            }
            if (name.startsWith("embeddings.")) {
                return true;
            }
            for (int i = 0; i < frozenLayers; i++) {
                if (name.startsWith(dev.streamtune.common.onnx.BertWeights.layerPrefix(i))) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Splits a batch's rows into one contiguous part per device (fewer parts than devices for tiny batches). */
    static List<int[]> splitRows(int[] rows, int parts) {
        List<int[]> out = new ArrayList<>();
        int count = Math.min(parts, rows.length);
        for (int d = 0; d < count; d++) {
            int from = rows.length * d / count;
            int to = rows.length * (d + 1) / count;
            out.add(java.util.Arrays.copyOfRange(rows, from, to));
        }
        return out;
    }

    @FunctionalInterface
    private interface InputBuilder {
        NDList build(NDManager manager, int[] rows);
    }

    @FunctionalInterface
    private interface ValidationPass {
        float[][] run();
    }

    private static Map<String, Integer> indexLabels(List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("no labels given");
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        for (String label : labels) {
            if (index.put(label, index.size()) != null) {
                throw new IllegalArgumentException("label '" + label + "' given twice in " + labels);
            }
        }
        if (labels.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least two labels, got " + labels);
        }
        return index;
    }

    private static int[] labelIds(List<LabeledText> examples, Map<String, Integer> index, String set) {
        int[] ids = new int[examples.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = index.get(examples.get(i).label());
            if (id == null) {
                throw new IllegalArgumentException(set + " example " + i + " has label '"
                        + examples.get(i).label() + "', which is not among the labels " + index.keySet());
            }
            ids[i] = id;
        }
        return ids;
    }

    private static float[] classWeights(List<String> labels, Map<String, Double> weights) {
        if (weights.isEmpty()) {
            return null;
        }
        for (String label : weights.keySet()) {
            if (!labels.contains(label)) {
                throw new IllegalArgumentException(
                        "class weight for unknown label '" + label + "' (labels " + labels + ")");
            }
        }
        float[] out = new float[labels.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = weights.getOrDefault(labels.get(i), 1.0).floatValue();
        }
        return out;
    }

    private static void dataWarnings(
            List<String> labels,
            int[] counts,
            int train,
            int validation,
            FineTuneSettings settings,
            List<String> warnings) {
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                warnings.add("label '" + labels.get(i) + "' has no training examples: the model cannot learn it");
            }
        }
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (int c : counts) {
            max = Math.max(max, c);
            if (c > 0) {
                min = Math.min(min, c);
            }
        }
        if (min != Integer.MAX_VALUE
                && max >= 10L * min
                && settings.classWeights().isEmpty()) {
            warnings.add(String.format(
                    Locale.ROOT,
                    "labels are unbalanced (largest %d vs smallest %d examples) and no class weights are set",
                    max,
                    min));
        }
        if (validation < 30) {
            warnings.add("only " + validation + " validation examples: epoch selection and metrics are noisy");
        }
    }

    private static void truncationWarning(List<TokenizedText> tokens, int maxLength, List<String> warnings) {
        long truncated = tokens.stream().filter(TokenizedText::truncated).count();
        if (truncated * 5 > tokens.size()) {
            warnings.add(String.format(
                    Locale.ROOT,
                    "%d of %d training texts (%.0f%%) are longer than maxLength %d tokens and were truncated",
                    truncated,
                    tokens.size(),
                    100.0 * truncated / tokens.size(),
                    maxLength));
        }
    }

    private static List<String> texts(List<LabeledText> examples) {
        return examples.stream().map(LabeledText::text).toList();
    }
}
