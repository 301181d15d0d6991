package dev.streamtune.trainer.bert.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.common.onnx.NamedTensor;
import dev.streamtune.common.onnx.OnnxBertImporter;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.trainer.bert.TestData;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointLoaderTest {

    @TempDir
    Path dir;

    @Test
    void shouldLoadAHuggingFaceCheckpointWithPoolerHeadAndLegacyNames() throws Exception {
        BertWeights weights = BertWeights.random(TestData.tinyConfig(), true, 5);
        ClassifierHead head = ClassifierHead.random(3, 32, 9);
        TestData.writeHuggingFaceCheckpoint(dir, weights, head, List.of("neg", "neu", "pos"));

        PretrainedBert loaded = CheckpointLoader.load(BaseModelSource.huggingFace(dir));

        assertThat(loaded.description()).isEqualTo("hf:tiny-test-bert");
        assertThat(loaded.weights().config()).isEqualTo(weights.config());
        assertThat(loaded.weights().tensors().keySet())
                .isEqualTo(weights.tensors().keySet());
        for (NamedTensor t : weights.tensors().values()) {
            TestData.assertSameValues(
                    t.name(), t.data(), loaded.weights().tensor(t.name()).data());
        }
        assertThat(loaded.defaultPooling()).isEqualTo(Pooling.POOLER);
        assertThat(loaded.headLabels()).containsExactly("neg", "neu", "pos");
        assertThat(loaded.head().weight().data()).containsExactly(head.weight().data());
        assertThat(loaded.tokenizerJson()).isEqualTo(TestData.miniLmTokenizer());
    }

    @Test
    void shouldDefaultToClsPoolingWithoutAPoolerAndLoadWithoutAHead() throws Exception {
        TestData.writeHuggingFaceCheckpoint(dir, BertWeights.random(TestData.tinyConfig(), 6), null, null);

        PretrainedBert loaded = CheckpointLoader.load(BaseModelSource.huggingFace(dir));

        assertThat(loaded.defaultPooling()).isEqualTo(Pooling.CLS);
        assertThat(loaded.hasHead()).isFalse();
    }

    @Test
    void shouldNameWhatIsMissingWhenTheCheckpointDoesNotMatchItsConfig() throws Exception {
        BertWeights full = BertWeights.random(TestData.tinyConfig(), 7);
        List<NamedTensor> partial = new ArrayList<>(full.tensors().values());
        partial.removeIf(t -> t.name().equals("encoder.layer.1.output.dense.weight"));
        TestData.writeHuggingFaceCheckpoint(dir, BertWeights.of(full.config(), partial), null, null);

        assertThatThrownBy(() -> CheckpointLoader.load(BaseModelSource.huggingFace(dir)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing")
                .hasMessageContaining("encoder.layer.1.output.dense.weight");
    }

    @Test
    void shouldRefuseADirectoryWithoutSafetensors() throws Exception {
        TestData.writeHuggingFaceCheckpoint(dir, BertWeights.random(TestData.tinyConfig(), 8), null, null);
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");

        assertThatThrownBy(() -> CheckpointLoader.load(BaseModelSource.huggingFace(dir)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pytorch_model.bin");
    }

    @Test
    void shouldParseBaseModelArguments() throws Exception {
        assertThat(BaseModelSource.parse("minilm")).isEqualTo(BaseModelSource.miniLm());
        assertThat(BaseModelSource.parse("sentence-transformers/all-MiniLM-L6-v2"))
                .isEqualTo(BaseModelSource.miniLm());
        assertThat(BaseModelSource.parse("bge-small")).isEqualTo(BaseModelSource.bgeSmall());
        assertThat(BaseModelSource.parse("BAAI/bge-small-en-v1.5")).isEqualTo(BaseModelSource.bgeSmall());
        assertThat(BaseModelSource.parse("hf:/x")).isEqualTo(BaseModelSource.huggingFace(Path.of("/x")));
        TestData.writeHuggingFaceCheckpoint(dir, BertWeights.random(TestData.tinyConfig(), 8), null, null);
        assertThat(BaseModelSource.parse(dir.toString())).isEqualTo(BaseModelSource.huggingFace(dir));
        assertThatThrownBy(() -> BaseModelSource.parse(dir.resolve("nothing").toString()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(BaseModelSource.parse("onnx:/m/encoder.onnx"))
                .isEqualTo(BaseModelSource.onnx(Path.of("/m/encoder.onnx")));
        Path file = Files.writeString(dir.resolve("encoder.onnx"), "");
        assertThat(BaseModelSource.parse(file.toString())).isEqualTo(BaseModelSource.onnx(file));
    }

    @Test
    void shouldNameTheJarAPackagedModelsResourcesComeFrom() {
        var absent = new BaseModelSource.Packaged(
                "absent",
                "org/absent",
                "absent.onnx",
                "absent-tokenizer.json",
                Pooling.MEAN,
                "org.example:absent-model");

        assertThatThrownBy(() -> CheckpointLoader.load(absent))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("absent.onnx")
                .hasMessageContaining("org.example:absent-model");
    }

    @Test
    void shouldLoadAnOnnxExportWithTheTokenizerBesideIt() throws Exception {
        // the MiniLM jar's ONNX export and tokenizer, laid out as langchain4j's other model jars ship theirs
        Path onnx = copyResource(OnnxBertImporter.ALL_MINILM_L6_V2_RESOURCE, dir.resolve("encoder.onnx"));
        copyResource(TextTokenizer.ALL_MINILM_L6_V2_RESOURCE, dir.resolve("encoder-tokenizer.json"));

        PretrainedBert loaded = CheckpointLoader.load(BaseModelSource.parse(onnx.toString()));

        PretrainedBert reference = CheckpointLoader.load(BaseModelSource.miniLm());
        assertThat(loaded.description()).isEqualTo("onnx:encoder.onnx");
        assertThat(loaded.weights().config()).isEqualTo(reference.weights().config());
        assertThat(loaded.weights().tensors().keySet())
                .isEqualTo(reference.weights().tensors().keySet());
        for (NamedTensor t : reference.weights().tensors().values()) {
            TestData.assertSameValues(
                    t.name(), t.data(), loaded.weights().tensor(t.name()).data());
        }
        assertThat(loaded.tokenizerJson()).isEqualTo(reference.tokenizerJson());
        assertThat(loaded.defaultPooling()).isEqualTo(Pooling.MEAN);
        assertThat(loaded.hasHead()).isFalse();
    }

    @Test
    void shouldNameTheTokenizerAnOnnxExportLacks() throws Exception {
        Path onnx = copyResource(OnnxBertImporter.ALL_MINILM_L6_V2_RESOURCE, dir.resolve("encoder.onnx"));

        assertThatThrownBy(() -> CheckpointLoader.load(BaseModelSource.onnx(onnx)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoder-tokenizer.json or tokenizer.json");
        assertThatThrownBy(() -> CheckpointLoader.load(BaseModelSource.onnx(dir.resolve("absent.onnx"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no ONNX model at");
    }

    private static Path copyResource(String resource, Path target) throws Exception {
        try (InputStream in = CheckpointLoaderTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            Files.copy(in, target);
        }
        return target;
    }
}
