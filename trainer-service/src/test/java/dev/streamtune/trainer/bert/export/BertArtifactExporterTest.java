package dev.streamtune.trainer.bert.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.streamtune.common.model.ArtifactVerificationException;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.common.onnx.Int8Parity;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.TestData;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.checkpoint.CheckpointLoader;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import dev.streamtune.trainer.bert.model.BertClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertArtifactExporterTest {

    static final ManifestSigner SIGNER = ManifestSigner.hmac("test", "0123456789abcdef0123456789abcdef");

    static final List<String> TEXTS = List.of(
            "Win a FREE cruise!!! Reply now to claim your prize",
            "Are we still on for lunch tomorrow?",
            "The quarterly report is attached; let me know if the numbers look off.",
            "ok",
            "word ".repeat(200)); // longer than maxLength: truncated the same way by both runtimes

    @TempDir
    Path dir;

    @Test
    void shouldGiveOnnxRuntimeTheSameProbabilitiesAsDjlForTwoLayerMiniLm() {
        PretrainedBert miniLm = CheckpointLoader.load(BaseModelSource.miniLm());
        // a sharp head (large logits), so that probabilities are far from uniform and differences would show
        ClassifierHead random = ClassifierHead.random(3, 384, 11);
        float[] weight = random.weight().data().clone();
        for (int i = 0; i < weight.length; i++) {
            weight[i] *= 300;
        }
        PretrainedBert withHead = new PretrainedBert(
                miniLm.description(),
                miniLm.weights(),
                miniLm.tokenizerJson(),
                miniLm.defaultPooling(),
                ClassifierHead.of(weight, random.bias().data(), 384),
                List.of("ham", "spam", "other"));
        try (BertClassifier model = BertClassifier.builder()
                .setBase(withHead)
                .setLabels(List.of("ham", "spam", "other"))
                .optLayers(2)
                .optMaxLength(48)
                .optSeed(3)
                .build()) {
            assertExportParity(model);
        }
    }

    @Test
    void shouldGiveOnnxRuntimeTheSameProbabilitiesWithPoolerAndClsPooling() throws Exception {
        TestData.writeHuggingFaceCheckpoint(
                dir.resolve("hf"),
                BertWeights.random(TestData.tinyConfig(), true, 4),
                ClassifierHead.random(2, 32, 5),
                List.of("x", "y"));
        PretrainedBert base = CheckpointLoader.load(BaseModelSource.huggingFace(dir.resolve("hf")));
        for (Pooling pooling : List.of(Pooling.POOLER, Pooling.CLS, Pooling.MEAN)) {
            try (BertClassifier model = BertClassifier.builder()
                    .setBase(base)
                    .setLabels(List.of("x", "y"))
                    .optPooling(pooling)
                    .optMaxLength(32)
                    .build()) {
                assertThat(model.pooling()).isEqualTo(pooling);
                assertExportParity(model);
            }
        }
    }

    @Test
    void shouldRecordHeadTailTruncationAndExportAModelThatKeepsTheEndsOfLongTexts() throws Exception {
        TestData.writeHuggingFaceCheckpoint(
                dir.resolve("hf-trunc"),
                BertWeights.random(TestData.tinyConfig(), true, 4),
                ClassifierHead.random(2, 32, 5),
                List.of("x", "y"));
        PretrainedBert base = CheckpointLoader.load(BaseModelSource.huggingFace(dir.resolve("hf-trunc")));
        String prefix = "quarterly planning review notes ".repeat(8);
        List<String> sameBeginning = List.of(prefix + "the budget is approved", prefix + "win a free cruise now");
        try (BertClassifier model = BertClassifier.builder()
                .setBase(base)
                .setLabels(List.of("x", "y"))
                .optPooling(Pooling.MEAN)
                .optMaxLength(16)
                .optTruncation(Truncation.HEAD_TAIL)
                .build()) {
            Path out = dir.resolve("artifact-head-tail");
            ExportedModel exported = BertArtifactExporter.export(model, out, TEXTS, Map.of());
            ModelManifest manifest = exported.manifest("t", 1, null, null, null, null, Instant.EPOCH);
            assertThat(manifest.truncation()).isEqualTo(Truncation.HEAD_TAIL);
            assertThat(manifest.selfChecks())
                    .as("plus the over-length text, which a server keeping other tokens would fail")
                    .hasSize(TEXTS.size() + 1);
            float[][] djl = model.predictProbabilities(sameBeginning);
            assertThat(djl[0]).as("the ends are kept, and differ").isNotEqualTo(djl[1]);
            try (OnnxTextClassifier onnx = OnnxTextClassifier.open(
                    out.resolve(ModelArtifact.MODEL_FILE), out.resolve(ModelArtifact.TOKENIZER_FILE), manifest)) {
                assertThat(BertArtifactExporter.maxAbsDiff(djl, onnx.predictProbabilities(sameBeginning)))
                        .isLessThanOrEqualTo(BertArtifactExporter.PARITY_TOLERANCE);
            }
            ModelManifest headOnly = manifest.withTruncation(Truncation.HEAD);
            try (OnnxTextClassifier cutting = OnnxTextClassifier.open(
                    out.resolve(ModelArtifact.MODEL_FILE), out.resolve(ModelArtifact.TOKENIZER_FILE), headOnly)) {
                assertThat(BertArtifactExporter.maxAbsDiff(djl, cutting.predictProbabilities(sameBeginning)))
                        .as("served on the beginnings only, the model gives other answers")
                        .isGreaterThan(BertArtifactExporter.PARITY_TOLERANCE);
            }
        }
    }

    private void assertExportParity(BertClassifier model) {
        Path out = dir.resolve("artifact-" + model.pooling().id());
        ExportedModel exported = BertArtifactExporter.export(model, out, TEXTS, Map.of());
        float[][] djl = model.predictProbabilities(TEXTS);
        System.out.println("probabilities of the first text: " + java.util.Arrays.toString(djl[0]));
        try (OnnxTextClassifier onnx = OnnxTextClassifier.open(
                out.resolve(ModelArtifact.MODEL_FILE),
                out.resolve(ModelArtifact.TOKENIZER_FILE),
                exported.manifest("t", 1, null, null, null, null, Instant.EPOCH))) {
            double diff = BertArtifactExporter.maxAbsDiff(djl, onnx.predictProbabilities(TEXTS));
            double logitDiff =
                    BertArtifactExporter.maxScaledDiff(model.predictLogits(TEXTS), onnx.predictLogits(TEXTS));
            System.out.printf(
                    "export parity (%s pooling): max |DJL - ONNX Runtime| = %.3g (probabilities), %.3g (logits, relative);"
                            + " int8: max |Δp| %.3g, top-1 agreement %.2f%n",
                    model.pooling().id(),
                    diff,
                    logitDiff,
                    exported.int8().maxAbsProbabilityDiff(),
                    exported.int8().top1Agreement());
            assertThat(diff).isLessThanOrEqualTo(BertArtifactExporter.PARITY_TOLERANCE);
            assertThat(logitDiff).isLessThanOrEqualTo(BertArtifactExporter.PARITY_TOLERANCE);
        }
        assertThat(exported.parityMaxAbsDiff()).isLessThanOrEqualTo(BertArtifactExporter.PARITY_TOLERANCE);
        assertThat(out.resolve(ModelArtifact.INT8_MODEL_FILE)).isRegularFile();
        assertThat(exported.int8().maxAbsProbabilityDiff())
                .isGreaterThan(0)
                .isLessThanOrEqualTo(Int8Parity.MAX_PROBABILITY_DIFF);
        assertThat(exported.int8().top1Agreement()).isEqualTo(1.0);
        assertThat(exported.int8().selfChecks()).hasSize(TEXTS.size());
        assertThat(exported.selfChecks()).hasSize(TEXTS.size());
        assertThat(exported.selfChecks().get(0).probabilities().get(0)).isCloseTo(djl[0][0], within(1e-6));
    }

    @Test
    void shouldSealAnArtifactThatVerifiesAndRefuseItOnceTamperedWith() throws Exception {
        try (BertClassifier model = tinyModel(List.of("a", "b"))) {
            ExportedModel exported = BertArtifactExporter.export(model, dir, null, Map.of("epochs", 1));
            ModelManifest manifest = exported.manifest("tiny", 7, null, null, null, null, Instant.now());
            exported.seal(manifest, SIGNER);

            try (OnnxTextClassifier onnx = OnnxTextClassifier.load(dir, SIGNER)) {
                assertThat(onnx.manifest().version()).isEqualTo(7);
                assertThat(onnx.manifest().files())
                        .containsKeys("model.onnx", "model-int8.onnx", "tokenizer.json", "config.json");
                assertThat(onnx.manifest().variants().get(ModelVariant.INT8).file())
                        .isEqualTo("model-int8.onnx");
                assertThat(onnx.manifest().labels()).containsExactly("a", "b");
                assertThat(onnx.manifest().selfChecks()).hasSize(BertArtifactExporter.DEFAULT_SELF_CHECK_TEXTS.size());
            }
            byte[] bytes = Files.readAllBytes(dir.resolve(ModelArtifact.MODEL_FILE));
            bytes[bytes.length / 2] ^= 1;
            Files.write(dir.resolve(ModelArtifact.MODEL_FILE), bytes);
            assertThatThrownBy(() -> OnnxTextClassifier.load(dir, SIGNER))
                    .isInstanceOf(ArtifactVerificationException.class)
                    .hasMessageContaining("model.onnx");
            bytes[bytes.length / 2] ^= 1; // restored: the int8 graph is sealed just the same
            Files.write(dir.resolve(ModelArtifact.MODEL_FILE), bytes);
            byte[] int8 = Files.readAllBytes(dir.resolve(ModelArtifact.INT8_MODEL_FILE));
            int8[int8.length / 2] ^= 1;
            Files.write(dir.resolve(ModelArtifact.INT8_MODEL_FILE), int8);
            assertThatThrownBy(() -> OnnxTextClassifier.load(dir, SIGNER))
                    .isInstanceOf(ArtifactVerificationException.class)
                    .hasMessageContaining("model-int8.onnx");
        }
    }

    @Test
    void shouldWarmStartFromAnExportedArtifactKeepingTheHeadAndGrowingItForNewLabels() throws Exception {
        try (BertClassifier original = tinyModel(List.of("a", "b"))) {
            ExportedModel exported = BertArtifactExporter.export(original, dir, null, Map.of());
            exported.seal(exported.manifest("tiny", 3, null, null, null, null, Instant.now()), SIGNER);

            PretrainedBert champion = CheckpointLoader.load(BaseModelSource.artifact(dir));
            assertThat(champion.description()).isEqualTo("tiny v3 (from test:tiny-bert)");
            assertThat(champion.headLabels()).containsExactly("a", "b");
            try (BertClassifier same = BertClassifier.builder()
                    .setBase(champion)
                    .setLabels(List.of("a", "b"))
                    .optMaxLength(32)
                    .build()) {
                assertThat(BertArtifactExporter.maxAbsDiff(
                                original.predictProbabilities(TEXTS), same.predictProbabilities(TEXTS)))
                        .isLessThan(1e-6);
            }
            try (BertClassifier grown = BertClassifier.builder()
                    .setBase(champion)
                    .setLabels(List.of("b", "c", "a"))
                    .optMaxLength(32)
                    .build()) {
                ClassifierHead before = original.head();
                ClassifierHead after = grown.head();
                // row "b" moved from index 1 to 0, "a" from 0 to 2; "c" is new
                assertThat(java.util.Arrays.copyOfRange(after.weight().data(), 0, 32))
                        .containsExactly(
                                java.util.Arrays.copyOfRange(before.weight().data(), 32, 64));
                assertThat(java.util.Arrays.copyOfRange(after.weight().data(), 64, 96))
                        .containsExactly(
                                java.util.Arrays.copyOfRange(before.weight().data(), 0, 32));
                assertThat(after.bias().data()[1]).isZero();
            }
        }
    }

    private static BertClassifier tinyModel(List<String> labels) {
        return BertClassifier.builder()
                .setBase(TestData.tinyBert(2))
                .setLabels(labels)
                .optMaxLength(32)
                .optSeed(9)
                .build();
    }
}
