package dev.streamtune.trainer.bert.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.checkpoint.CheckpointLoader;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.dataset.DatasetSplitter;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import dev.streamtune.trainer.bert.model.BertClassifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.jboss.logging.Logger;

/**
 * Fine-tunes a BERT classifier with the DJL PyTorch engine: AdamW with decoupled weight decay, linear warmup and
 * decay, global-norm clipping, length-bucketed dynamic padding, early stopping on validation macro-F1 that restores the
 * best epoch, and one of four strategies (see {@link FineTuneStrategy}). One run at a time per JVM (PyTorch has one
 * gradient recorder); the instance may be reused and caches the last base model it loaded.
 */
public final class BertFineTuner {

    private static final Logger LOG = Logger.getLogger(BertFineTuner.class);

    private static volatile boolean ompWarned;
    private static volatile boolean thpWarned;

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
        return fit(train, validation, labels, settings, listener, cancellation, FeatureSource.DIRECT);
    }

    /**
     * As {@link #fit(List, List, List, FineTuneSettings, FineTuneListener, CancellationToken)}, with the head-only
     * strategy's pooled vectors taken from {@code features} (a cache, say).
     */
    public FineTuneResult fit(
            List<LabeledText> train,
            List<LabeledText> validation,
            List<String> labels,
            FineTuneSettings settings,
            FineTuneListener listener,
            CancellationToken cancellation,
            FeatureSource features) {
        long started = System.nanoTime();
        listener = listener == null ? FineTuneListener.NONE : listener;
        cancellation = cancellation == null ? CancellationToken.none() : cancellation;
        List<String> warnings = new ArrayList<>();
        Map<String, Integer> labelIndex = indexLabels(labels);
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        if (validation == null || validation.isEmpty()) {
            DatasetSplitter.Split split = holdOut(train, settings, warnings);
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

        Device[] devices = devices(settings);
        cancellation.throwIfCancelled();
        listener.onPhase("preparing", "loading " + settings.baseModel().describe());
        BertClassifier classifier = classifier(settings, labels, devices[0]);
        try {
            List<TokenizedText> trainTokens =
                    classifier.tokenizer().encodeBatch(texts(train), settings.maxLength(), settings.truncation());
            List<TokenizedText> validationTokens =
                    classifier.tokenizer().encodeBatch(texts(validation), settings.maxLength(), settings.truncation());
            truncationWarning(trainTokens, settings.maxLength(), warnings);
            StrategyChooser.Choice choice =
                    StrategyChooser.choose(settings.strategy(), train.size(), rarest(counts), devices[0].isGpu());
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
            warnings.forEach(LOG::warn);
            FineTuneRun run = new FineTuneRun(
                    classifier,
                    settings,
                    devices,
                    trainLabels,
                    validationLabels,
                    listener,
                    cancellation,
                    warnings,
                    labels);
            float[][] validationProbabilities = choice.strategy() == FineTuneStrategy.HEAD_ONLY
                    ? run.headOnly(
                            features,
                            new FineTuneRun.Encoded(texts(train), trainTokens),
                            new FineTuneRun.Encoded(texts(validation), validationTokens))
                    : run.encoder(choice.strategy(), trainTokens, validationTokens);
            cancellation.throwIfCancelled();
            return run.result(choice, validationProbabilities, train.size(), started);
        } catch (RuntimeException | Error e) {
            classifier.close();
            throw e;
        }
    }

    /** A stratified validation split held out of {@code train}, when none was given. */
    private static DatasetSplitter.Split holdOut(
            List<LabeledText> train, FineTuneSettings settings, List<String> warnings) {
        DatasetSplitter.Split split = DatasetSplitter.stratified(train, settings.validationFraction(), settings.seed());
        if (split.holdout().isEmpty() || split.train().isEmpty()) {
            throw new IllegalArgumentException(
                    "no validation set given and " + train.size() + " examples are too few to hold some out");
        }
        warnings.add(String.format(
                Locale.ROOT,
                "no validation set given: held out %d of %d training examples",
                split.holdout().size(),
                train.size()));
        return split;
    }

    /** The devices to train on (PyTorch's random seed set), with a warning where PyTorch's CPU threads would spin. */
    private static Device[] devices(FineTuneSettings settings) {
        Engine engine = Engine.getEngine("PyTorch");
        Device[] devices = DeviceSelector.resolve(settings.device(), engine);
        if (!devices[0].isGpu() && !"PASSIVE".equalsIgnoreCase(System.getenv("OMP_WAIT_POLICY")) && !ompWarned) {
            ompWarned = true;
            LOG.warn("OMP_WAIT_POLICY is not PASSIVE: PyTorch's CPU threads spin while waiting, which makes training"
                    + " several times slower when other processes share the CPU (set OMP_WAIT_POLICY=PASSIVE in the"
                    + " environment before the JVM starts)");
        }
        if (!devices[0].isGpu() && !thpWarned) {
            thpWarned = true;
            HugePages.advice(System.getenv("THP_MEM_ALLOC_ENABLE"), HugePages.nodeMode(HugePages.MODE_FILE))
                    .ifPresent(LOG::warn);
        }
        engine.setRandomSeed((int) settings.seed());
        return devices;
    }

    /** The pre-trained encoder with a new head over {@code labels}, as {@code settings} ask. */
    private BertClassifier classifier(FineTuneSettings settings, List<String> labels, Device device) {
        return BertClassifier.builder()
                .setBase(loadBase(settings.baseModel()))
                .setLabels(labels)
                .optPooling(settings.pooling())
                .optLayers(settings.layers())
                .optDropout((float) settings.dropout())
                .optSeed(settings.seed())
                .optMaxLength(settings.maxLength())
                .optTruncation(settings.truncation())
                .optDevice(device)
                .build();
    }

    /** The smallest non-zero count: how many examples the rarest label has. */
    private static int rarest(int[] counts) {
        int rarest = Integer.MAX_VALUE;
        for (int c : counts) {
            if (c > 0) {
                rarest = Math.min(rarest, c);
            }
        }
        return rarest;
    }

    /** The base model the last run started from (a warm start's champion: its head and label names included). */
    public synchronized PretrainedBert lastBase() {
        if (cachedBase == null) {
            throw new IllegalStateException("no run yet");
        }
        return cachedBase;
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
