package dev.streamtune.inference.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.tokenizer.TokenBatch;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;

/** Runs the graph through DJL's OnnxRuntime engine: a {@link Predictor} with a translator over token batches. */
final class DjlOrtRunner implements OnnxRunner {

    private final Model model;
    private final Predictor<TokenBatch, float[]> predictor;

    private DjlOrtRunner(Model model) {
        this.model = model;
        this.predictor = model.newPredictor(new TokenBatchTranslator());
    }

    static DjlOrtRunner open(Path modelFile, OnnxRuntimes.Settings settings) throws IOException {
        Model model = Model.newInstance("classifier", Device.cpu(), OnnxRuntimes.ENGINE);
        try {
            String name = modelFile.getFileName().toString().replaceFirst("\\.onnx$", "");
            model.load(
                    modelFile.getParent(),
                    name,
                    Map.of(
                            "intraOpNumThreads", Integer.toString(settings.intraOpThreads()),
                            "interOpNumThreads", Integer.toString(Math.max(1, settings.interOpThreads())),
                            "optLevel", "ALL_OPT"));
            return new DjlOrtRunner(model);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new IOException("DJL cannot load " + modelFile.getFileName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public float[] probabilities(TokenBatch batch) throws TranslateException {
        return predictor.predict(batch);
    }

    @Override
    public int declaredLabels() {
        return -1; // DJL does not describe outputs; the batch classifier checks the width of every result
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }

    /** Token batch in, probabilities out; named inputs so the graph's input order does not matter. */
    private static final class TokenBatchTranslator implements NoBatchifyTranslator<TokenBatch, float[]> {

        @Override
        public NDList processInput(TranslatorContext ctx, TokenBatch batch) {
            NDManager manager = ctx.getNDManager();
            Shape shape = new Shape(batch.shape());
            return new NDList(
                    named(manager, batch.inputIds(), shape, ModelArtifact.INPUT_IDS),
                    named(manager, batch.attentionMask(), shape, ModelArtifact.ATTENTION_MASK),
                    named(manager, batch.tokenTypeIds(), shape, ModelArtifact.TOKEN_TYPE_IDS));
        }

        @Override
        public float[] processOutput(TranslatorContext ctx, NDList list) {
            NDArray probabilities = list.get(ModelArtifact.PROBABILITIES);
            if (probabilities == null) {
                throw new IllegalStateException("model.onnx has no output '" + ModelArtifact.PROBABILITIES + "'");
            }
            return probabilities.toFloatArray();
        }

        private static NDArray named(NDManager manager, long[] values, Shape shape, String name) {
            NDArray array = manager.create(LongBuffer.wrap(values), shape, DataType.INT64);
            array.setName(name);
            return array;
        }
    }
}
