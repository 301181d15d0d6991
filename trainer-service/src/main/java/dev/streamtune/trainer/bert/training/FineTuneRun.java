package dev.streamtune.trainer.bert.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.MetricsCalculator;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.trainer.bert.dataset.LengthBucketBatcher;
import dev.streamtune.trainer.bert.model.BertClassifier;
import dev.streamtune.trainer.bert.model.InferenceMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One fine-tuning run: freezes what the strategy fixes, then runs the epoch loop (batches by length, forward and
 * backward on each device, global-norm clipping, AdamW step, validation, early stopping, best-epoch restore).
 */
final class FineTuneRun {

    private static final Logger LOG = Logger.getLogger(FineTuneRun.class);

    /** Train-minus-validation accuracy gap above which the run warns about overfitting. */
    static final double OVERFIT_ACCURACY_GAP = 0.10;

    private final BertClassifier classifier;
    private final FineTuneSettings settings;
    private final Device[] devices;
    private final int[] trainLabels;
    private final int[] validationLabels;
    private final FineTuneListener listener;
    private final CancellationToken cancellation;
    private final List<String> warnings;
    private final List<String> labels;
    private final float[] classWeights;
    final List<EpochMetrics> history = new ArrayList<>();
    ProgressMeter meter;
    int bestEpoch;
    /** The epochs whose mean weights the run kept; empty when it kept the best epoch's. */
    List<Integer> averagedEpochs = List.of();

    long step;
    private boolean overfittingWarned;

    FineTuneRun(
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

    /**
     * Full or freeze-bottom: the encoder runs forward and backward on every batch. Returns the validation
     * probabilities of the weights kept.
     */
    float[][] encoder(
            FineTuneStrategy strategy, List<TokenizedText> trainTokens, List<TokenizedText> validationTokens) {
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
        return classifier.predictTokenized(validationTokens);
    }

    /**
     * Head-only: pooled encoder outputs computed once (or taken from {@code source}'s cache); only the classifier
     * trains on them. Returns the validation probabilities of the weights kept.
     */
    float[][] headOnly(FeatureSource source, Encoded train, Encoded validation) {
        listener.onPhase(
                "caching-features",
                "encoder features of " + train.texts().size() + " training and "
                        + validation.texts().size() + " validation texts, computed once");
        long t0 = System.nanoTime();
        float[][] trainFeatures = source.features(classifier, train.texts(), train.tokens());
        cancellation.throwIfCancelled();
        float[][] validationFeatures = source.features(classifier, validation.texts(), validation.tokens());
        LOG.infof(
                "head-only: features of %d texts in %.1f s",
                train.texts().size() + validation.texts().size(), (System.nanoTime() - t0) / 1e9);
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
        return classifier.probabilitiesFromFeatures(validationFeatures);
    }

    /** Texts with their tokens at the classifier's max length. */
    record Encoded(List<String> texts, List<TokenizedText> tokens) {}

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
        Device[] trainDevices = Arrays.copyOf(devices, devicesUsed);
        long stepsPerEpoch = (n + settings.batchSize() - 1) / settings.batchSize();
        long totalSteps = stepsPerEpoch * epochs;
        LinearWarmupSchedule schedule = LinearWarmupSchedule.of(learningRate, settings.warmupFraction(), totalSteps);
        Set<String> noDecay = noDecay(params);
        List<Parameter> trainable =
                params.values().stream().filter(Parameter::requiresGradient).toList();
        meter = new ProgressMeter(listener, "fine-tune", totalSteps, epochs);
        SoftTargetCrossEntropyLoss loss = new SoftTargetCrossEntropyLoss();
        // on 100 validation examples one flip moves macro-F1 by ~0.01
        EarlyStopping stopping = new EarlyStopping(settings.patience(), 0.5 / validationLabels.length);
        Map<Parameter, NDArray> best = new HashMap<>();
        NDManager modelManager = classifier.model().getNDManager();
        try (DecoupledAdamW optimizer = new DecoupledAdamW(schedule, settings.weightDecay(), noDecay);
                NDManager runManager = modelManager.newSubManager();
                EpochAverage window = new EpochAverage(settings.averageEpochs())) {
            // what DJL's Trainer does, with the store in reach: mirrors on every device, gradients summed on
            // the first, the optimizer applied to each mirror
            ParameterStore store = new ParameterStore(runManager, false);
            store.setParameterServer(modelManager.getEngine().newParameterServer(optimizer), trainDevices);
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long epochStart = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                for (int[] batch : LengthBucketBatcher.batches(lengths, settings.batchSize(), settings.seed(), epoch)) {
                    cancellation.throwIfCancelled();
                    long stepStart = System.nanoTime();
                    step++;
                    StepResult r =
                            step(block, store, runManager, optimizer, trainable, trainDevices, batch, inputs, loss);
                    lossSum += r.loss * batch.length;
                    correct += r.correct;
                    meter.stepDone(
                            epoch, step, batch.length, r.loss, System.nanoTime() - stepStart, optimizer.learningRate());
                }
                cancellation.throwIfCancelled();
                ClassificationMetrics val =
                        endEpoch(epoch, epochs, lossSum / n, (double) correct / n, epochStart, validate);
                window.add(epoch, trainable);
                EarlyStopping.Verdict verdict = stopping.onEpoch(epoch, val.macroF1(), val.loss());
                if (verdict == EarlyStopping.Verdict.BEST) {
                    bestEpoch = epoch;
                    if (epoch < epochs || window.enabled()) { // averaging overwrites the last epoch's weights
                        snapshot(trainable, best);
                    }
                } else if (verdict == EarlyStopping.Verdict.STOP && epoch < epochs) {
                    LOG.infof(
                            "early stopping after epoch %d: validation macro-F1 has not improved for %d epoch(s)",
                            epoch, stopping.epochsSinceBest());
                    break;
                }
            }
            boolean averaged = window.epochs().size() > 1;
            if (averaged && keepAverage(window, validate)) {
                return;
            }
            if (averaged || bestEpoch != history.size()) {
                restore(best);
                LOG.infof(
                        "restored the weights of epoch %d (best validation macro-F1 %.4f)",
                        bestEpoch, stopping.bestF1());
            }
        } finally {
            best.values().forEach(NDArray::close);
        }
    }

    /**
     * Writes the mean of the window's epochs into the model and validates it; true when it is kept (see
     * {@link EpochAverage#keep}), false when the best epoch's weights must come back.
     */
    private boolean keepAverage(EpochAverage window, ValidationPass validate) {
        List<Integer> epochs = window.epochs();
        window.applyMean();
        ClassificationMetrics val = MetricsCalculator.compute(labels, validationLabels, validate.run());
        EpochMetrics best = history.get(bestEpoch - 1);
        boolean keep = EpochAverage.keep(val.accuracy(), best.validationAccuracy(), validationLabels.length);
        LOG.infof(
                "weights of epochs %d-%d averaged: validation loss %.4f acc %.4f macro-F1 %.4f (best epoch %d: acc %.4f"
                        + " macro-F1 %.4f); %s",
                epochs.get(0),
                epochs.get(epochs.size() - 1),
                val.loss(),
                val.accuracy(),
                val.macroF1(),
                bestEpoch,
                best.validationAccuracy(),
                best.validationMacroF1(),
                keep ? "the average is kept" : "more than one example more wrong: the best epoch's weights are kept");
        if (keep) {
            averagedEpochs = epochs;
        }
        return keep;
    }

    /** The validation metrics of the kept weights (logged) and the run's result. */
    FineTuneResult result(
            StrategyChooser.Choice choice, float[][] validationProbabilities, int trainExamples, long startedNanos) {
        listener.onPhase(
                "evaluating",
                averagedEpochs.isEmpty()
                        ? "validation metrics of epoch " + bestEpoch
                        : "validation metrics of the mean of epochs " + averagedEpochs);
        ClassificationMetrics metrics = MetricsCalculator.compute(labels, validationLabels, validationProbabilities);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startedNanos);
        LOG.infof(
                "fine-tuning done in %s: %s of %d, validation accuracy %.4f macro-F1 %.4f, %.1f seq/s",
                ProgressMeter.formatSeconds(elapsed.toMillis() / 1000.0),
                averagedEpochs.isEmpty() ? "best epoch " + bestEpoch : "mean of epochs " + averagedEpochs,
                history.size(),
                metrics.accuracy(),
                metrics.macroF1(),
                meter.meanSeqPerSec());
        return new FineTuneResult(
                classifier,
                history,
                bestEpoch,
                averagedEpochs,
                choice.strategy(),
                choice.reason(),
                warnings,
                metrics,
                trainExamples,
                validationLabels.length,
                step,
                meter.meanSeqPerSec(),
                elapsed,
                settings);
    }

    /** Biases and LayerNorm parameters: no weight decay for them, as in BERT's own recipe. */
    private static Set<String> noDecay(Map<String, Parameter> params) {
        return params.entrySet().stream()
                .filter(e -> e.getKey().endsWith(".bias") || e.getKey().contains("LayerNorm"))
                .map(e -> e.getValue().getId())
                .collect(Collectors.toSet());
    }

    /** Validates after an epoch and records it (history, listener, log, overfitting warning); the validation metrics. */
    private ClassificationMetrics endEpoch(
            int epoch, int epochs, double trainLoss, double trainAccuracy, long epochStart, ValidationPass validate) {
        ClassificationMetrics val = MetricsCalculator.compute(labels, validationLabels, validate.run());
        EpochMetrics m = new EpochMetrics(
                epoch,
                trainLoss,
                trainAccuracy,
                val.loss(),
                val.accuracy(),
                val.macroF1(),
                (System.nanoTime() - epochStart) / 1e9);
        history.add(m);
        listener.onEpoch(m);
        LOG.infof(
                "epoch %d/%d: train loss %.4f acc %.4f | validation loss %.4f acc %.4f macro-F1 %.4f (%.1f s)",
                epoch,
                epochs,
                m.trainLoss(),
                m.trainAccuracy(),
                m.validationLoss(),
                m.validationAccuracy(),
                m.validationMacroF1(),
                m.seconds());
        overfittingWarning();
        return val;
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
                scale = clipScale(norm, settings.maxGradNorm());
            }
            optimizer.beginStep(step, scale);
            store.updateAllParameters();
            return new StepResult(lossValue, correct);
        } finally {
            managers.forEach(NDManager::close);
        }
    }

    /** What every gradient is multiplied by so their global L2 norm is at most {@code maxNorm} (0: no clipping). */
    static float clipScale(double norm, double maxNorm) {
        return maxNorm > 0 && norm > maxNorm ? (float) (maxNorm / (norm + 1e-6)) : 1f;
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

    @SuppressWarnings("try") // scope guard: entering and closing it is the point
    private static void restore(Map<Parameter, NDArray> best) {
        try (InferenceMode ignored = InferenceMode.enter()) {
            best.forEach((p, saved) -> p.getArray().set(saved.toByteBuffer()));
        }
    }

    /**
     * Warns (once per run) when training and validation part ways: the accuracy gap exceeds
     * {@value #OVERFIT_ACCURACY_GAP} and grew since the last epoch, or validation loss climbed 5% above its best
     * while training loss kept falling.
     */
    private void overfittingWarning() {
        int size = history.size();
        if (size < 2 || overfittingWarned) {
            return;
        }
        EpochMetrics prev = history.get(size - 2);
        EpochMetrics last = history.get(size - 1);
        double gap = last.trainAccuracy() - last.validationAccuracy();
        double prevGap = prev.trainAccuracy() - prev.validationAccuracy();
        EpochMetrics lowest = history.stream()
                .min(Comparator.comparingDouble(EpochMetrics::validationLoss))
                .orElseThrow();
        boolean accuracyGap = gap > OVERFIT_ACCURACY_GAP && gap > prevGap;
        boolean lossRising =
                last.validationLoss() > lowest.validationLoss() * 1.05 && last.trainLoss() < lowest.trainLoss();
        if (accuracyGap || lossRising) {
            overfittingWarned = true;
            String warning = String.format(
                    Locale.ROOT,
                    "overfitting from epoch %d: train accuracy %.4f vs validation %.4f (gap %.4f, was %.4f);"
                            + " validation loss %.4f (lowest %.4f at epoch %d) while training loss fell to %.4f;"
                            + " the epoch with the best validation macro-F1 is kept",
                    last.epoch(),
                    last.trainAccuracy(),
                    last.validationAccuracy(),
                    gap,
                    prevGap,
                    last.validationLoss(),
                    lowest.validationLoss(),
                    lowest.epoch(),
                    last.trainLoss());
            warnings.add(warning);
            LOG.warn(warning);
        }
    }

    private boolean isFrozen(String name, FineTuneStrategy strategy, int frozenLayers) {
        if (name.startsWith("classifier.")) {
            return false;
        }
        if (strategy == FineTuneStrategy.FULL) {
            return name.equals(BertWeights.WORD_EMBEDDINGS) && !settings.trainWordEmbeddings();
        }
        if (name.startsWith("embeddings.")) {
            return true;
        }
        for (int i = 0; i < frozenLayers; i++) {
            if (name.startsWith(BertWeights.layerPrefix(i))) {
                return true;
            }
        }
        return false;
    }

    /** Splits a batch's rows into one contiguous part per device (fewer parts than devices for tiny batches). */
    static List<int[]> splitRows(int[] rows, int parts) {
        List<int[]> out = new ArrayList<>();
        int count = Math.min(parts, rows.length);
        for (int d = 0; d < count; d++) {
            int from = rows.length * d / count;
            int to = rows.length * (d + 1) / count;
            out.add(Arrays.copyOfRange(rows, from, to));
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
}
