package dev.streamtune.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.TokenBatch;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Dynamically quantized exports of a tiny random encoder against its float export, both run by ONNX Runtime. */
class BertOnnxExporterInt8Test {

    private static final List<String> LABELS = List.of("negative", "neutral", "positive");

    @Test
    void shouldQuantizeEveryEncoderLinearTheWayOnnxRuntimeDoes() throws Exception {
        OnnxMl.ModelProto model = exporter(Pooling.POOLER, true).toModelProto();

        Map<String, Long> ops = model.getGraph().getNodeList().stream()
                .collect(java.util.stream.Collectors.groupingBy(
                        OnnxMl.NodeProto::getOpType, java.util.stream.Collectors.counting()));
        // 2 layers x 6 Linears + the pooler; the classifier head stays float
        assertThat(ops.get("MatMulInteger")).isEqualTo(13);
        // q/k/v share one quantized input: 4 per layer + the pooler
        assertThat(ops.get("DynamicQuantizeLinear")).isEqualTo(9);
        assertThat(model.getGraph().getInitializerList())
                .filteredOn(t -> t.getName().endsWith(".weight_quantized"))
                .hasSize(13)
                .allMatch(t -> t.getDataType() == OnnxMl.TensorProto.DataType.INT8_VALUE);
        assertThat(model.getMetadataPropsList())
                .anyMatch(p -> p.getKey().equals(BertOnnxExporter.META_QUANTIZATION)
                        && p.getValue().endsWith("<=" + Int8WeightQuantizer.REDUCED_RANGE));
    }

    @Test
    void shouldAgreeWithTheFloatGraphWithinTheDocumentedBound() throws Exception {
        TokenBatch batch = BertOnnxExporterTest.randomBatch(new Random(9), 12, 48, 7, 30, 5, 19, 40, 3, 26, 11);
        float[] fp32;
        float[] fp32Logits;
        float[] int8;
        try (OrtSession f = OrtSupport.session(exporter(Pooling.MEAN, false).toBytes());
                OrtSession q = OrtSupport.session(exporter(Pooling.MEAN, true).toBytes())) {
            Map<String, float[]> a = OrtSupport.run(f, batch);
            fp32 = a.get(ModelArtifact.PROBABILITIES);
            fp32Logits = a.get(ModelArtifact.LOGITS);
            int8 = OrtSupport.run(q, batch).get(ModelArtifact.PROBABILITIES);
        }
        Int8Parity parity = Int8Parity.of(fp32, int8, LABELS.size());
        System.out.printf("tiny BERT int8 vs fp32: %s%n", parity);
        assertThat(parity.maxAbsProbabilityDiff()).isLessThanOrEqualTo(Int8Parity.MAX_PROBABILITY_DIFF);
        assertThat(parity.maxAbsProbabilityDiff()).isGreaterThan(0); // it really ran integer kernels
        assertThat(parity.top1Agreement()).isGreaterThanOrEqualTo(0.9);
        assertThat(fp32Logits).hasSize(fp32.length);
    }

    /** A tiny encoder with a head scaled up so that its probabilities are far from uniform. */
    private static BertOnnxExporter exporter(Pooling pooling, boolean int8) {
        BertWeights weights = BertWeights.random(BertOnnxExporterTest.tiny(BertConfig.GELU), true, 21);
        ClassifierHead random = ClassifierHead.random(LABELS.size(), 32, 4);
        float[] w = random.weight().data().clone();
        for (int i = 0; i < w.length; i++) {
            w[i] *= 100; // N(0, 2): logits a few units apart
        }
        ClassifierHead head = ClassifierHead.of(w, random.bias().data(), 32);
        return BertOnnxExporter.builder()
                .setWeights(weights)
                .setHead(head)
                .setPooling(pooling)
                .setLabels(LABELS)
                .optDynamicInt8(int8)
                .build();
    }
}
