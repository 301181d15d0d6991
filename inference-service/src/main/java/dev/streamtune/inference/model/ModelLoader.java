package dev.streamtune.inference.model;

import dev.streamtune.common.model.ArtifactVerificationException;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.store.ArtifactRefusedException;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.inference.engine.CandidateClassifier;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.engine.InferenceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Puts a model version into a servable state, or says why it cannot: fetch the artifact, verify digests and
 * signature, open tokenizer and ONNX Runtime session, check the label count, warm up, reproduce the self-check
 * probabilities. Nothing it returns has been seen by the serving path yet. Fetching, verifying and opening the session
 * (graph optimisation) run on the calling thread; warm-up and self-check inference run where the given
 * {@link CandidateClassifier} runs them.
 */
public final class ModelLoader {

    private static final Logger LOG = Logger.getLogger(ModelLoader.class);

    /**
     * @param cacheDir where fetched artifacts are copied while their model is in use
     * @param selfCheckTolerance largest absolute probability difference a self-check accepts
     * @param warmupRuns inference runs before the model is handed over
     */
    public record Settings(
            Path cacheDir,
            double selfCheckTolerance,
            int warmupRuns,
            OnnxRuntimes.Settings onnx,
            double int8MaxAccuracyDropPoints) {

        /** Largest test-accuracy loss, in points, at which an artifact's int8 graph is served by default. */
        public static final double DEFAULT_INT8_MAX_ACCURACY_DROP_POINTS = 0.5;

        public Settings(Path cacheDir, double selfCheckTolerance, int warmupRuns, OnnxRuntimes.Settings onnx) {
            this(cacheDir, selfCheckTolerance, warmupRuns, onnx, DEFAULT_INT8_MAX_ACCURACY_DROP_POINTS);
        }
    }

    private final ArtifactStores stores;
    private final ArtifactVerifier verifier;
    private final CandidateClassifier classifier;
    private final Settings settings;

    /**
     * @param classifier runs warm-up and self-checks: in the service, the engine's {@code betweenBatches}, so that
     *     they never run at the same time as a served batch (and run directly while nothing is served)
     */
    public ModelLoader(
            ArtifactStores stores, ArtifactVerifier verifier, CandidateClassifier classifier, Settings settings) {
        this.stores = stores;
        this.verifier = verifier;
        this.classifier = classifier;
        this.settings = settings;
    }

    /** Loads the version a LIVE (or version) record on the models topic announces. */
    public LoadedModel load(ModelRegistryEvent record) throws ModelLoadException {
        if (record.uri() == null || record.uri().isBlank()) {
            throw new ModelLoadException(ModelLoadException.Stage.FETCH, "the registry record has no artifact uri");
        }
        Path dir = settings.cacheDir().resolve(record.name()).resolve("v" + record.version() + "-" + UUID.randomUUID());
        try {
            URI uri;
            try {
                uri = URI.create(record.uri());
            } catch (IllegalArgumentException e) {
                throw new ModelLoadException(
                        ModelLoadException.Stage.FETCH, "invalid artifact uri " + record.uri() + ": " + e.getMessage());
            }
            try {
                Files.createDirectories(dir.getParent());
                stores.fetch(uri, dir);
            } catch (ArtifactRefusedException e) {
                // outside the configured store, or not plain files: retrying will not change it
                throw new ModelLoadException(
                        ModelLoadException.Stage.FETCH, "cannot fetch " + record.uri() + ": " + e.getMessage(), e);
            } catch (IOException | UncheckedIOException e) {
                throw ModelLoadException.transientFailure(
                        ModelLoadException.Stage.FETCH, "cannot fetch " + record.uri() + ": " + e.getMessage(), e);
            }
            ModelManifest manifest = verify(dir, record.manifestSha256());
            if (!manifest.name().equals(record.name()) || manifest.version() != record.version()) {
                throw new ModelLoadException(
                        ModelLoadException.Stage.VERIFY,
                        "the artifact is " + manifest.name() + " v" + manifest.version() + ", the registry announced "
                                + record.name() + " v" + record.version());
            }
            return open(dir, manifest, dir, record.manifestSha256());
        } catch (ModelLoadException | RuntimeException e) {
            LoadedModel.deleteQuietly(dir);
            throw e;
        }
    }

    /** Loads a sealed artifact directory given in configuration (its signature is still checked). */
    public LoadedModel loadDirectory(Path dir) throws ModelLoadException {
        return open(dir, verify(dir, null), null, manifestSha256(dir));
    }

    private ModelManifest verify(Path dir, String expectedManifestSha256) throws ModelLoadException {
        try {
            return verifier.verify(dir, expectedManifestSha256);
        } catch (ArtifactVerificationException e) {
            throw new ModelLoadException(ModelLoadException.Stage.VERIFY, e.getMessage(), e);
        }
    }

    private static String manifestSha256(Path dir) throws ModelLoadException {
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve(ModelArtifact.MANIFEST_FILE));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new ModelLoadException(ModelLoadException.Stage.VERIFY, "cannot read the manifest: " + e, e);
        }
    }

    private LoadedModel open(Path dir, ModelManifest manifest, Path ownedDir, String manifestSha256)
            throws ModelLoadException {
        long start = System.nanoTime();
        if (manifest.format() != null && !ModelManifest.FORMAT_ONNX.equals(manifest.format())) {
            throw new ModelLoadException(
                    ModelLoadException.Stage.LOAD, "format '" + manifest.format() + "' is not servable (onnx only)");
        }
        if (manifest.labels().size() < 2) {
            throw new ModelLoadException(
                    ModelLoadException.Stage.LOAD,
                    "the manifest lists " + manifest.labels().size() + " labels");
        }
        if (manifest.maxLength() < 2) {
            throw new ModelLoadException(
                    ModelLoadException.Stage.LOAD, "the manifest's maxLength " + manifest.maxLength() + " is invalid");
        }
        TextTokenizer tokenizer;
        try {
            tokenizer = TextTokenizer.fromFile(dir.resolve(ModelArtifact.TOKENIZER_FILE));
        } catch (RuntimeException e) {
            throw new ModelLoadException(ModelLoadException.Stage.LOAD, "tokenizer: " + e.getMessage(), e);
        }
        ServedGraph graph = ServedGraph.choose(manifest, settings.int8MaxAccuracyDropPoints());
        OnnxRunner runner;
        try {
            runner = OnnxRuntimes.open(dir.resolve(graph.file()), settings.onnx());
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw new ModelLoadException(ModelLoadException.Stage.LOAD, e.getMessage(), e);
        }
        if (runner.declaredLabels() > 0
                && runner.declaredLabels() != manifest.labels().size()) {
            runner.close();
            tokenizer.close();
            throw new ModelLoadException(
                    ModelLoadException.Stage.LOAD,
                    "label-count mismatch: the model outputs " + runner.declaredLabels()
                            + " probabilities, the manifest lists "
                            + manifest.labels().size() + " labels");
        }
        LoadedModel model = new LoadedModel(manifest, tokenizer, runner, ownedDir, manifestSha256, graph.id());
        long opened = System.nanoTime();
        boolean betweenBatches = classifier.sharesTheEngine();
        try {
            warmUp(model);
            selfCheck(model, graph.selfChecks(), graph.selfCheckTolerance(settings.selfCheckTolerance()));
        } catch (ModelLoadException | RuntimeException e) {
            runner.close();
            tokenizer.close();
            throw e;
        }
        LOG.infof(
                "model %s v%d ready in %d ms (session %d ms, warm-up and self-checks %d ms %s), serving its %s graph"
                        + " %s (%s; %d labels, maxLength %d, truncation %s, %d self-checks)",
                manifest.name(),
                manifest.version(),
                (System.nanoTime() - start) / 1_000_000,
                (opened - start) / 1_000_000,
                (System.nanoTime() - opened) / 1_000_000,
                betweenBatches ? "between served batches" : "directly",
                graph.id(),
                graph.file(),
                graph.reason(),
                manifest.labels().size(),
                manifest.maxLength(),
                manifest.truncation(),
                graph.selfChecks().size());
        return model;
    }

    /**
     * Runs a short and a full-length text so the first live batch does not pay for allocation. While another version
     * serves on the same engine, one call per text, so that a served batch waits for at most one of them; else (start-up)
     * both in one call per run, as fast as the runtime goes.
     */
    private void warmUp(LoadedModel model) throws ModelLoadException {
        List<String> texts = List.of("warm up", "warm up ".repeat(Math.max(1, model.maxLength())));
        for (int run = 0; run < settings.warmupRuns(); run++) {
            List<List<String>> calls =
                    classifier.sharesTheEngine() ? texts.stream().map(List::of).toList() : List.of(texts);
            for (List<String> call : calls) {
                for (ClassifyOutcome outcome : classify(model, call, ModelLoadException.Stage.WARMUP)) {
                    if (outcome instanceof ClassifyOutcome.Failure failure) {
                        throw new ModelLoadException(ModelLoadException.Stage.WARMUP, failure.reason());
                    }
                }
            }
        }
    }

    private void selfCheck(LoadedModel model, List<SelfCheck> checks, double tolerance) throws ModelLoadException {
        if (checks.isEmpty()) {
            LOG.warnf("model %s has no self-check inputs: its outputs are not compared with training", model);
            return;
        }
        List<ClassifyOutcome> outcomes =
                classify(model, checks.stream().map(SelfCheck::text).toList(), ModelLoadException.Stage.SELF_CHECK);
        for (int i = 0; i < checks.size(); i++) {
            SelfCheck check = checks.get(i);
            if (!(outcomes.get(i) instanceof ClassifyOutcome.Success success)) {
                throw new ModelLoadException(
                        ModelLoadException.Stage.SELF_CHECK,
                        "self-check " + i + " failed: " + ((ClassifyOutcome.Failure) outcomes.get(i)).reason());
            }
            float[] actual = success.classification().probabilities();
            if (check.probabilities().size() != actual.length) {
                throw new ModelLoadException(
                        ModelLoadException.Stage.SELF_CHECK,
                        "self-check " + i + " expects " + check.probabilities().size() + " probabilities, the model"
                                + " gives " + actual.length);
            }
            for (int j = 0; j < actual.length; j++) {
                double diff = Math.abs(actual[j] - check.probabilities().get(j));
                if (!(diff <= tolerance)) {
                    throw new ModelLoadException(
                            ModelLoadException.Stage.SELF_CHECK,
                            String.format(
                                    "self-check %d, label %s: expected %.6f, got %.6f (tolerance %.6f)",
                                    i,
                                    model.labels().get(j),
                                    check.probabilities().get(j),
                                    actual[j],
                                    tolerance));
                }
            }
        }
    }

    private List<ClassifyOutcome> classify(LoadedModel model, List<String> texts, ModelLoadException.Stage stage)
            throws ModelLoadException {
        try {
            return classifier.classify(model, texts);
        } catch (InferenceException e) {
            if (e.isEngineDown()) { // nothing about this model: it may pass once the engine runs again
                throw ModelLoadException.transientFailure(stage, e.getMessage(), e);
            }
            throw new ModelLoadException(stage, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelLoadException(stage, e.getMessage(), e);
        }
    }
}
