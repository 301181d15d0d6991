package dev.streamtune.trainer.bert.evaluation;

import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ArtifactVerificationException;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.common.tokenizer.Truncation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An exported model artifact run by ONNX Runtime, as the inference service runs it: the trainer evaluates the live
 * champion with it on the same examples as a candidate, and the export parity test compares it with DJL. Close it.
 * Not thread-safe (the tokenizer and session are, but batches are built per call).
 */
public final class OnnxTextClassifier implements TextClassifier {

    public static final int DEFAULT_BATCH = 32;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final TextTokenizer tokenizer;
    private final ModelManifest manifest;

    private OnnxTextClassifier(
            OrtEnvironment env, OrtSession session, TextTokenizer tokenizer, ModelManifest manifest) {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.manifest = manifest;
    }

    /**
     * Loads an artifact directory.
     *
     * @param signer verifies the manifest's signature and every file digest first; null skips verification (only for
     *     directories this process just wrote)
     * @throws ArtifactVerificationException when verification fails
     */
    public static OnnxTextClassifier load(Path dir, ManifestSigner signer) throws ArtifactVerificationException {
        ModelManifest manifest;
        if (signer != null) {
            manifest = new ArtifactVerifier(signer).verify(dir, null);
        } else {
            try {
                manifest = Json.mapper()
                        .readValue(dir.resolve(ModelArtifact.MANIFEST_FILE).toFile(), ModelManifest.class);
            } catch (IOException e) {
                throw new ArtifactVerificationException(
                        "cannot read manifest.json in " + dir + ": " + e.getMessage(), e);
            }
        }
        return open(dir.resolve(ModelArtifact.MODEL_FILE), dir.resolve(ModelArtifact.TOKENIZER_FILE), manifest);
    }

    /** Opens a model file and tokenizer directly (before a manifest exists, e.g. parity checks during export). */
    public static OnnxTextClassifier open(Path modelFile, Path tokenizerFile, ModelManifest manifest) {
        Engine.getEngine("OnnxRuntime"); // DJL's engine configures the process-wide ORT environment first
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        TextTokenizer tokenizer = TextTokenizer.fromFile(tokenizerFile);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // waiting threads sleep instead of spinning: far faster when the CPU is shared with other work
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            OrtSession session = env.createSession(modelFile.toString(), options);
            return new OnnxTextClassifier(env, session, tokenizer, manifest);
        } catch (OrtException e) {
            tokenizer.close();
            throw new IllegalArgumentException("ONNX Runtime cannot load " + modelFile + ": " + e.getMessage(), e);
        }
    }

    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public List<String> labels() {
        return manifest.labels();
    }

    @Override
    public int maxLength() {
        return manifest.maxLength();
    }

    @Override
    public Truncation truncation() {
        return manifest.truncation();
    }

    @Override
    public float[][] predictProbabilities(List<String> texts) {
        return predictOutput(texts, ModelArtifact.PROBABILITIES);
    }

    /** The graph's logits (before softmax), one row per text. */
    public float[][] predictLogits(List<String> texts) {
        return predictOutput(texts, ModelArtifact.LOGITS);
    }

    private float[][] predictOutput(List<String> texts, String output) {
        List<TokenizedText> tokens = tokenizer.encodeBatch(texts, manifest.maxLength(), manifest.truncation());
        Integer[] order = new Integer[tokens.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> tokens.get(i).length())); // less padding per batch
        float[][] out = new float[tokens.size()][];
        for (int start = 0; start < order.length; start += DEFAULT_BATCH) {
            int end = Math.min(order.length, start + DEFAULT_BATCH);
            List<TokenizedText> batch = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                batch.add(tokens.get(order[i]));
            }
            float[][] probabilities = predict(TokenBatch.pad(batch, tokenizer.padTokenId()), output);
            for (int i = start; i < end; i++) {
                out[order[i]] = probabilities[i - start];
            }
        }
        return out;
    }

    /** Runs one padded batch; one probability row per text. */
    public float[][] predict(TokenBatch batch) {
        return predict(batch, ModelArtifact.PROBABILITIES);
    }

    private float[][] predict(TokenBatch batch, String output) {
        long[] shape = batch.shape();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(ModelArtifact.INPUT_IDS, tensor(batch.inputIds(), shape));
            inputs.put(ModelArtifact.ATTENTION_MASK, tensor(batch.attentionMask(), shape));
            inputs.put(ModelArtifact.TOKEN_TYPE_IDS, tensor(batch.tokenTypeIds(), shape));
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of(output))) {
                return (float[][]) result.get(0).getValue();
            }
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed on a batch of " + batch.batchSize() + ": " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The model's {@code metadata_props} (custom metadata), empty when it has none or ONNX Runtime cannot read them. */
    public Map<String, String> metadata() {
        try {
            return session.getMetadata().getCustomMetadata();
        } catch (OrtException e) {
            return Map.of();
        }
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    private OnnxTensor tensor(long[] data, long[] shape) throws OrtException {
        return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new UncheckedIOException(new IOException("cannot close ONNX Runtime session", e));
        } finally {
            tokenizer.close();
        }
    }
}
