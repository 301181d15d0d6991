package dev.streamtune.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Exports of tiny random encoders (2 layers, hidden 32, 2 heads) checked against a plain-Java BERT forward pass. */
class BertOnnxExporterTest {

    private static final List<String> LABELS = List.of("negative", "neutral", "positive");

    static BertConfig tiny(String activation) {
        return new BertConfig(120, 32, 2, 2, 64, 48, 2, 1e-12, activation, 0);
    }

    @ParameterizedTest(name = "{0} feed-forward, {1} pooling")
    @CsvSource({"gelu, MEAN", "gelu_new, CLS", "relu, POOLER", "gelu_pytorch_tanh, MEAN"})
    void shouldComputeWhatHuggingFaceBertComputes(String activation, Pooling pooling) throws OrtException {
        BertWeights weights = BertWeights.random(tiny(activation), true, 11);
        ClassifierHead head = ClassifierHead.random(LABELS.size(), 32, 12);
        TokenBatch batch = randomBatch(new Random(5), 7, 3, 12, 1);

        Map<String, float[]> out = run(export(weights, head, pooling), batch);

        double[][][] hidden = new ReferenceBert(weights).lastHiddenState(batch);
        double hiddenDiff = 0;
        double probabilityDiff = 0;
        int s = batch.sequenceLength();
        for (int row = 0; row < batch.batchSize(); row++) {
            for (int t = 0; t < s; t++) {
                for (int j = 0; j < 32; j++) {
                    float actual = out.get(BertOnnxExporter.LAST_HIDDEN_STATE)[(row * s + t) * 32 + j];
                    hiddenDiff = Math.max(hiddenDiff, Math.abs(hidden[row][t][j] - actual));
                }
            }
            long[] mask = Arrays.copyOfRange(batch.attentionMask(), row * s, row * s + s);
            double[] pooled = ReferenceBert.pool(pooling, hidden[row], mask, weights);
            float[] pooledFloat = new float[pooled.length];
            for (int j = 0; j < pooled.length; j++) {
                pooledFloat[j] = (float) pooled[j];
            }
            float[] expected = head.probabilities(pooledFloat);
            for (int label = 0; label < LABELS.size(); label++) {
                float actual = out.get(ModelArtifact.PROBABILITIES)[row * LABELS.size() + label];
                probabilityDiff = Math.max(probabilityDiff, Math.abs(expected[label] - actual));
            }
        }
        System.out.printf(
                "tiny %s/%s vs Java reference: hidden %.3g, probabilities %.3g%n",
                activation, pooling.id(), hiddenDiff, probabilityDiff);
        assertThat(hiddenDiff).isLessThanOrEqualTo(1e-5);
        assertThat(probabilityDiff).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void shouldRunAnyBatchAndSequenceSizeWithOneSession() throws OrtException {
        BertWeights weights = BertWeights.random(tiny(BertConfig.GELU), 1);
        byte[] model = export(weights, ClassifierHead.random(3, 32, 2), Pooling.MEAN);
        Random random = new Random(3);
        try (OrtSession session = OrtSupport.session(model)) {
            for (int[] lengths : new int[][] {{1}, {5, 2, 9}, {48, 48}, {3, 1, 4, 1, 5, 9, 2, 6}}) {
                TokenBatch batch = randomBatch(random, lengths);

                Map<String, float[]> out = OrtSupport.run(session, batch);

                assertThat(out.get(ModelArtifact.LOGITS)).hasSize(lengths.length * 3);
                float[] probabilities = out.get(ModelArtifact.PROBABILITIES);
                assertThat(probabilities).hasSize(lengths.length * 3);
                for (int row = 0; row < lengths.length; row++) {
                    double sum = probabilities[row * 3] + probabilities[row * 3 + 1] + probabilities[row * 3 + 2];
                    assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }

    @Test
    void shouldGiveATextTheSameProbabilitiesAloneAndPaddedInABatch() throws OrtException {
        BertWeights weights = BertWeights.random(tiny(BertConfig.GELU), 4);
        byte[] model = export(weights, ClassifierHead.random(3, 32, 5), Pooling.MEAN);
        TokenizedText text = text(new long[] {101, 7, 8, 9, 102});
        TokenizedText longer = text(new long[] {101, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 102});
        try (OrtSession session = OrtSupport.session(model)) {
            float[] alone =
                    OrtSupport.run(session, TokenBatch.pad(List.of(text), 0)).get(ModelArtifact.PROBABILITIES);
            float[] padded = OrtSupport.run(session, TokenBatch.pad(List.of(longer, text), 0))
                    .get(ModelArtifact.PROBABILITIES);

            assertThat(MiniLmExportParityTest.maxAbsDiff(alone, Arrays.copyOfRange(padded, 3, 6)))
                    .isLessThanOrEqualTo(1e-6);
        }
    }

    @Test
    void shouldWriteTheSameBytesForTheSameWeights() {
        byte[] first =
                export(BertWeights.random(tiny(BertConfig.GELU), 9), ClassifierHead.random(3, 32, 9), Pooling.CLS);
        byte[] second =
                export(BertWeights.random(tiny(BertConfig.GELU), 9), ClassifierHead.random(3, 32, 9), Pooling.CLS);
        byte[] otherSeed =
                export(BertWeights.random(tiny(BertConfig.GELU), 10), ClassifierHead.random(3, 32, 9), Pooling.CLS);

        assertThat(ModelArtifact.sha256(first)).isEqualTo(ModelArtifact.sha256(second));
        assertThat(ModelArtifact.sha256(first)).isNotEqualTo(ModelArtifact.sha256(otherSeed));
    }

    @Test
    void shouldImportItsOwnExportBackToTheSameWeightsAndConfig(@TempDir Path dir) {
        BertConfig config = new BertConfig(120, 32, 2, 4, 64, 48, 2, 1e-7, BertConfig.GELU_TANH, 0);
        BertWeights weights = BertWeights.random(config, true, 21);
        Path file = dir.resolve(ModelArtifact.MODEL_FILE);
        BertOnnxExporter.builder()
                .setWeights(weights)
                .setHead(ClassifierHead.random(2, 32, 1))
                .setPooling(Pooling.POOLER)
                .setLabels(List.of("a", "b"))
                .build()
                .export(file);

        BertWeights imported = OnnxBertImporter.read(file);

        assertThat(imported.config()).isEqualTo(config);
        assertThat(imported.tensors()).isEqualTo(weights.tensors());
    }

    @Test
    void shouldDescribeTheModelInItsMetadataAndNameInitializersLikeHuggingFace() throws IOException {
        byte[] model =
                export(BertWeights.random(tiny(BertConfig.GELU), 2), ClassifierHead.random(3, 32, 2), Pooling.MEAN);
        OnnxMl.ModelProto proto = OnnxBertImporter.parse(new ByteArrayInputStream(model));

        assertThat(proto.getOpsetImport(0).getVersion()).isEqualTo(BertOnnxExporter.OPSET);
        assertThat(proto.getGraph().getInputList())
                .extracting(OnnxMl.ValueInfoProto::getName)
                .containsExactly(ModelArtifact.INPUT_IDS, ModelArtifact.ATTENTION_MASK, ModelArtifact.TOKEN_TYPE_IDS);
        assertThat(proto.getGraph().getOutputList())
                .extracting(OnnxMl.ValueInfoProto::getName)
                .containsExactly(
                        ModelArtifact.LOGITS,
                        ModelArtifact.PROBABILITIES,
                        BertOnnxExporter.LAST_HIDDEN_STATE,
                        BertOnnxExporter.POOLED);
        assertThat(proto.getGraph().getInitializerList())
                .extracting(OnnxMl.TensorProto::getName)
                .contains(
                        "encoder.layer.1.attention.self.query.weight",
                        ClassifierHead.WEIGHT,
                        BertWeights.WORD_EMBEDDINGS);
        assertThat(proto.getMetadataPropsList())
                .extracting(OnnxMl.StringStringEntryProto::getKey, OnnxMl.StringStringEntryProto::getValue)
                .contains(
                        org.assertj.core.groups.Tuple.tuple(
                                BertOnnxExporter.META_LABELS, "[\"negative\",\"neutral\",\"positive\"]"),
                        org.assertj.core.groups.Tuple.tuple(BertOnnxExporter.META_POOLING, "mean"));
    }

    @Test
    void shouldExportTheFirstTwoMiniLmLayersAndMatchTheJavaForwardPass() throws OrtException {
        BertWeights twoLayers = OrtSupport.miniLmWeights().keepLayers(2);
        ClassifierHead head = ClassifierHead.random(2, 384, 3);
        TokenBatch batch = TokenBatch.pad(
                List.of(text(new long[] {101, 7592, 2088, 102}), text(new long[] {101, 1996, 4248, 2829, 4419, 102})),
                0);

        Map<String, float[]> out = run(export(twoLayers, head, Pooling.MEAN, List.of("no", "yes")), batch);

        double[][][] hidden = new ReferenceBert(twoLayers).lastHiddenState(batch);
        double diff = 0;
        float[] actual = out.get(BertOnnxExporter.LAST_HIDDEN_STATE);
        for (int row = 0; row < 2; row++) {
            for (int t = 0; t < batch.sequenceLength(); t++) {
                for (int j = 0; j < 384; j++) {
                    diff = Math.max(
                            diff, Math.abs(hidden[row][t][j] - actual[(row * batch.sequenceLength() + t) * 384 + j]));
                }
            }
        }
        System.out.printf("MiniLM keepLayers(2) vs Java reference: hidden max |diff| = %.3g%n", diff);
        assertThat(twoLayers.config().numHiddenLayers()).isEqualTo(2);
        assertThat(diff).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void shouldRefuseInconsistentInputs() {
        BertWeights noPooler = BertWeights.random(tiny(BertConfig.GELU), 1);
        ClassifierHead head = ClassifierHead.random(3, 32, 1);

        assertThatThrownBy(() -> BertOnnxExporter.builder()
                        .setWeights(noPooler)
                        .setHead(head)
                        .setPooling(Pooling.POOLER)
                        .setLabels(LABELS)
                        .build())
                .hasMessageContaining("pooling 'pooler' needs pooler.dense weights");
        assertThatThrownBy(() -> BertOnnxExporter.builder()
                        .setWeights(noPooler)
                        .setHead(head)
                        .setPooling(Pooling.MEAN)
                        .setLabels(List.of("a", "b"))
                        .build())
                .hasMessageContaining("2 labels given for a head with 3 outputs");
        assertThatThrownBy(() -> BertOnnxExporter.builder()
                        .setWeights(noPooler)
                        .setHead(ClassifierHead.random(3, 16, 1))
                        .setPooling(Pooling.MEAN)
                        .setLabels(LABELS)
                        .build())
                .hasMessageContaining("classifier reads 16-wide vectors but the encoder produces 32");
        assertThatThrownBy(() -> BertOnnxExporter.builder()
                        .setWeights(noPooler.keepLayers(1).withConfig(tiny(BertConfig.GELU)))
                        .setHead(head)
                        .setPooling(Pooling.MEAN)
                        .setLabels(LABELS)
                        .build())
                .hasMessageContaining("missing: encoder.layer.1.attention.self.query.weight[32, 32]");
    }

    private static byte[] export(BertWeights weights, ClassifierHead head, Pooling pooling) {
        return export(weights, head, pooling, LABELS.subList(0, head.numLabels()));
    }

    private static byte[] export(BertWeights weights, ClassifierHead head, Pooling pooling, List<String> labels) {
        return BertOnnxExporter.builder()
                .setWeights(weights)
                .setHead(head)
                .setPooling(pooling)
                .setLabels(labels)
                .optLastHiddenStateOutput(true)
                .optPooledOutput(true)
                .build()
                .toBytes();
    }

    private static Map<String, float[]> run(byte[] model, TokenBatch batch) throws OrtException {
        try (OrtSession session = OrtSupport.session(model)) {
            return OrtSupport.run(session, batch);
        }
    }

    /** Texts of the given lengths: [CLS]-like id first, random ids and token types, padded with 0. */
    static TokenBatch randomBatch(Random random, int... lengths) {
        List<TokenizedText> texts = new ArrayList<>();
        for (int length : lengths) {
            long[] ids = new long[length];
            long[] types = new long[length];
            for (int i = 0; i < length; i++) {
                ids[i] = i == 0 ? 1 : 1 + random.nextInt(119);
                types[i] = i > length / 2 ? 1 : 0;
            }
            long[] mask = new long[length];
            Arrays.fill(mask, 1);
            texts.add(new TokenizedText(ids, types, mask, length, 0));
        }
        return TokenBatch.pad(texts, 0);
    }

    private static TokenizedText text(long[] ids) {
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        return new TokenizedText(ids, new long[ids.length], mask, ids.length, 0);
    }
}
