package dev.streamtune.inference.support;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.onnx.BertConfig;
import dev.streamtune.common.onnx.BertOnnxExporter;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.common.onnx.OnnxBertImporter;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.inference.model.OnnxRuntimes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real tiny models for tests: a random 2-layer BERT (hidden 32) exported by common's ONNX exporter, with the MiniLM
 * tokenizer, sealed and signed like the trainer does. Self-check probabilities are computed with a plain ONNX Runtime
 * session, independently of the service's batching code.
 */
public final class TestModels {

    /** The {@code %test} signing secret of the service. */
    public static final String SECRET = "test-only-secret-test-only-secret-0123";

    /** The trainer's default key id, also the service's. */
    public static final String KEY_ID = "trainer";

    public static final BertConfig TINY = new BertConfig(30522, 32, 2, 2, 64, 128, 2, 1e-12, BertConfig.GELU, 0);

    public static final int MAX_LENGTH = 64;

    public static final List<String> SELF_CHECK_TEXTS =
            List.of("Win a free cruise now", "Meeting moved to Tuesday at 10", "unsubscribe here");

    /** Longer than {@link #MAX_LENGTH} tokens, its end unlike its beginning: head and head+tail keep other tokens. */
    public static final String LONG_SELF_CHECK_TEXT = "please review the attached invoice before friday ".repeat(20)
            + "win a free cruise now, click here to claim your prize: limited offer, reply with your bank"
            + " details today and we will ship it tomorrow";

    private TestModels() {}

    public static ManifestSigner signer() {
        return ManifestSigner.hmac(KEY_ID, SECRET);
    }

    /** What to build; the defaults make a valid model. */
    public record Spec(
            String name,
            long version,
            List<String> labels,
            int headLabels,
            long seed,
            ManifestSigner signer,
            boolean wrongSelfCheck,
            boolean miniLm,
            int maxLength,
            Truncation truncation) {

        public static Spec valid(String name, long version) {
            return new Spec(
                    name,
                    version,
                    TestManifests.LABELS,
                    TestManifests.LABELS.size(),
                    version,
                    TestModels.signer(),
                    false,
                    false,
                    MAX_LENGTH,
                    Truncation.HEAD);
        }

        /** The real pre-trained MiniLM encoder (6 layers, hidden 384) with a random 2-label head, mean pooling. */
        public static Spec miniLm(String name, long version, int maxLength) {
            return new Spec(
                    name,
                    version,
                    TestManifests.LABELS,
                    TestManifests.LABELS.size(),
                    version,
                    TestModels.signer(),
                    false,
                    true,
                    maxLength,
                    Truncation.HEAD);
        }

        public Spec withSigner(ManifestSigner other) {
            return new Spec(
                    name, version, labels, headLabels, seed, other, wrongSelfCheck, miniLm, maxLength, truncation);
        }

        public Spec withHeadLabels(int n) {
            return new Spec(name, version, labels, n, seed, signer, wrongSelfCheck, miniLm, maxLength, truncation);
        }

        public Spec withWrongSelfCheck() {
            return new Spec(name, version, labels, headLabels, seed, signer, true, miniLm, maxLength, truncation);
        }

        /**
         * A model trained on {@code truncation}'s tokens of long texts: its manifest says so, and its self-checks add
         * {@link #LONG_SELF_CHECK_TEXT}, whose expected probabilities only a server that truncates the same way gets.
         */
        public Spec withTruncation(Truncation other) {
            return new Spec(name, version, labels, headLabels, seed, signer, wrongSelfCheck, miniLm, maxLength, other);
        }
    }

    private static BertWeights miniLmWeights;

    /** MiniLM's encoder weights from the langchain4j jar, imported once. */
    public static synchronized BertWeights miniLmWeights() {
        if (miniLmWeights == null) {
            miniLmWeights =
                    OnnxBertImporter.builder().build().importResource(OnnxBertImporter.ALL_MINILM_L6_V2_RESOURCE);
        }
        return miniLmWeights;
    }

    /** Writes a sealed artifact directory for {@code spec} into {@code dir} (created). */
    public static ArtifactWriter.Sealed write(Path dir, Spec spec) {
        try {
            Files.createDirectories(dir);
            List<String> headLabels = new ArrayList<>();
            for (int i = 0; i < spec.headLabels(); i++) {
                headLabels.add(i < spec.labels().size() ? spec.labels().get(i) : "extra" + i);
            }
            BertWeights weights = spec.miniLm() ? miniLmWeights() : BertWeights.random(TINY, spec.seed());
            BertOnnxExporter.builder()
                    .setWeights(weights)
                    .setHead(ClassifierHead.random(
                            spec.headLabels(), weights.config().hiddenSize(), spec.seed() + 1000))
                    .setPooling(spec.miniLm() ? Pooling.MEAN : Pooling.CLS)
                    .setLabels(headLabels)
                    .build()
                    .export(dir.resolve(ModelArtifact.MODEL_FILE));
            Files.write(dir.resolve(ModelArtifact.TOKENIZER_FILE), tokenizerDefinition());
            List<SelfCheck> checks = new ArrayList<>();
            if (spec.headLabels() == spec.labels().size()) {
                List<String> texts = new ArrayList<>(SELF_CHECK_TEXTS);
                if (spec.truncation() != Truncation.HEAD) {
                    texts.add(LONG_SELF_CHECK_TEXT);
                }
                List<List<Double>> expected = referenceProbabilities(
                        dir, ModelArtifact.MODEL_FILE, texts, spec.maxLength(), spec.truncation());
                for (int i = 0; i < texts.size(); i++) {
                    List<Double> probabilities = expected.get(i);
                    if (spec.wrongSelfCheck()) {
                        probabilities = probabilities.stream().map(p -> p * 0.5).toList();
                    }
                    checks.add(new SelfCheck(texts.get(i), probabilities));
                }
            }
            ModelManifest manifest = TestManifests.manifest(
                    spec.name(), spec.version(), spec.labels(), spec.maxLength(), spec.truncation(), checks);
            return ArtifactWriter.seal(dir, manifest, spec.signer());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a sealed artifact like {@link #write} that also holds the int8 graph of the same weights (as the trainer
     * exports it), with its own self-checks and the given test accuracies for both graphs.
     */
    public static ArtifactWriter.Sealed writeWithInt8(
            Path dir, Spec spec, double fp32TestAccuracy, double int8TestAccuracy) {
        ModelManifest plain = write(dir, spec).manifest();
        BertWeights weights = spec.miniLm() ? miniLmWeights() : BertWeights.random(TINY, spec.seed());
        BertOnnxExporter.builder()
                .setWeights(weights)
                .setHead(ClassifierHead.random(
                        spec.headLabels(), weights.config().hiddenSize(), spec.seed() + 1000))
                .setPooling(spec.miniLm() ? Pooling.MEAN : Pooling.CLS)
                .setLabels(spec.labels())
                .optDynamicInt8(true)
                .build()
                .export(dir.resolve(ModelArtifact.INT8_MODEL_FILE));
        List<List<Double>> int8 =
                referenceProbabilities(dir, ModelArtifact.INT8_MODEL_FILE, SELF_CHECK_TEXTS, spec.maxLength());
        List<SelfCheck> checks = new ArrayList<>();
        for (int i = 0; i < SELF_CHECK_TEXTS.size(); i++) {
            checks.add(new SelfCheck(SELF_CHECK_TEXTS.get(i), int8.get(i)));
        }
        ModelVariant variant = new ModelVariant(
                ModelArtifact.INT8_MODEL_FILE, "dynamic-int8", testMetrics(int8TestAccuracy), 1e-3, 1.0, checks);
        ModelManifest manifest = new ModelManifest(
                        plain.schemaVersion(),
                        plain.name(),
                        plain.version(),
                        plain.baseModel(),
                        plain.labels(),
                        plain.maxLength(),
                        plain.pooling(),
                        plain.format(),
                        Map.of(),
                        null,
                        testMetrics(fp32TestAccuracy),
                        null,
                        plain.baselines(),
                        plain.selfChecks(),
                        Map.of(),
                        plain.createdAt())
                .withVariants(Map.of(ModelVariant.INT8, variant));
        return ArtifactWriter.seal(dir, manifest, spec.signer());
    }

    private static ClassificationMetrics testMetrics(double accuracy) {
        return new ClassificationMetrics(1000, accuracy, accuracy, 0.1, 0.01, TestManifests.LABELS, null, null);
    }

    /** Builds, publishes into {@code store} and returns the LIVE record announcing it. */
    public static ModelRegistryEvent publish(FileSystemArtifactStore store, Path workDir, Spec spec) {
        return publish(store, workDir, spec, false);
    }

    public static ModelRegistryEvent publish(FileSystemArtifactStore store, Path workDir, Spec spec, boolean rollback) {
        Path dir = workDir.resolve(spec.name() + "-v" + spec.version() + "-" + System.nanoTime());
        ArtifactWriter.Sealed sealed = write(dir, spec);
        try {
            URI uri = store.publish(dir, spec.name(), spec.version());
            return TestManifests.live(sealed.manifest(), uri.toString(), sealed.manifestSha256(), rollback);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flips a byte of a published artifact's model file (after sealing: its digest no longer matches). */
    public static void corrupt(ModelRegistryEvent live) {
        Path model = Path.of(URI.create(live.uri())).resolve(ModelArtifact.MODEL_FILE);
        try {
            byte[] bytes = Files.readAllBytes(model);
            bytes[bytes.length / 2] ^= 0x5A;
            Files.write(model, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TextTokenizer tokenizer;

    /** The MiniLM tokenizer every test model uses, loaded once (loading takes about half a second). */
    public static synchronized TextTokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = TextTokenizer.fromClasspath(TextTokenizer.ALL_MINILM_L6_V2_RESOURCE);
        }
        return tokenizer;
    }

    /** The tokenizer of an artifact directory (callers close it). */
    public static TextTokenizer tokenizerFromDir(Path dir) {
        return TextTokenizer.fromFile(dir.resolve(ModelArtifact.TOKENIZER_FILE));
    }

    public static byte[] tokenizerDefinition() {
        return tokenizer().definition();
    }

    /** Probabilities of one text, straight from ONNX Runtime (batch of one, no padding). */
    public static List<Double> referenceProbabilities(Path dir, String text) {
        return referenceProbabilities(dir, List.of(text), MAX_LENGTH).get(0);
    }

    /** Probabilities of each text, each run alone (batch of one, no padding) by a plain ONNX Runtime session. */
    public static List<List<Double>> referenceProbabilities(Path dir, List<String> texts, int maxLength) {
        return referenceProbabilities(dir, ModelArtifact.MODEL_FILE, texts, maxLength);
    }

    /** Like {@link #referenceProbabilities(Path, List, int)} for another graph of the artifact. */
    public static List<List<Double>> referenceProbabilities(Path dir, String file, List<String> texts, int maxLength) {
        return referenceProbabilities(dir, file, texts, maxLength, Truncation.HEAD);
    }

    /** Like {@link #referenceProbabilities(Path, List, int)}, keeping {@code truncation}'s tokens of long texts. */
    public static List<List<Double>> referenceProbabilities(
            Path dir, String file, List<String> texts, int maxLength, Truncation truncation) {
        TextTokenizer tokenizer = tokenizer();
        try (OrtSession session = OnnxRuntimes.rawSession(dir.resolve(file), OnnxRuntimes.Settings.DEFAULTS)) {
            List<List<Double>> all = new ArrayList<>();
            for (String text : texts) {
                all.add(run(
                        session,
                        TokenBatch.pad(
                                List.of(tokenizer.encode(text, maxLength, truncation)), tokenizer.padTokenId())));
            }
            return all;
        } catch (Exception e) {
            throw new IllegalStateException("reference inference failed: " + e.getMessage(), e);
        }
    }

    private static List<Double> run(OrtSession session, TokenBatch batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), batch.shape());
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), batch.shape());
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.tokenTypeIds()), batch.shape());
                OrtSession.Result result = session.run(Map.of(
                        ModelArtifact.INPUT_IDS, ids,
                        ModelArtifact.ATTENTION_MASK, mask,
                        ModelArtifact.TOKEN_TYPE_IDS, types))) {
            float[][] probs =
                    (float[][]) result.get(ModelArtifact.PROBABILITIES).get().getValue();
            List<Double> out = new ArrayList<>();
            for (float p : probs[0]) {
                out.add((double) p);
            }
            return out;
        }
    }
}
