package dev.streamtune.trainer.bert.checkpoint;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertConfig;
import dev.streamtune.common.onnx.BertOnnxExporter;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.common.onnx.NamedTensor;
import dev.streamtune.common.onnx.OnnxBertImporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Loads a {@link BaseModelSource} into memory. Nothing is downloaded; every failure names the file and the problem. */
public final class CheckpointLoader {

    public static final String CONFIG_FILE = "config.json";

    private CheckpointLoader() {}

    public static PretrainedBert load(BaseModelSource source) {
        if (source instanceof BaseModelSource.Packaged packaged) {
            return packaged(packaged);
        }
        if (source instanceof BaseModelSource.Preloaded preloaded) {
            return preloaded.model();
        }
        if (source instanceof BaseModelSource.HuggingFace hf) {
            return huggingFace(hf.dir());
        }
        if (source instanceof BaseModelSource.Artifact artifact) {
            return artifact(artifact.dir());
        }
        if (source instanceof BaseModelSource.Onnx onnx) {
            return onnx(onnx.file());
        }
        throw new IllegalArgumentException("unknown base model source " + source);
    }

    /** A model from a jar on the classpath, pooled as it was trained (mean for MiniLM, [CLS] for bge). */
    static PretrainedBert packaged(BaseModelSource.Packaged source) {
        BertWeights weights;
        try (InputStream in = classpathStream(source, source.onnxResource())) {
            weights = OnnxBertImporter.builder().build().importModel(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + source.onnxResource(), e);
        }
        return new PretrainedBert(
                source.name(),
                weights.validate(),
                classpathBytes(source, source.tokenizerResource()),
                source.pooling(),
                null,
                null);
    }

    /** A {@code torch.onnx} export of a BERT encoder and the tokenizer beside it ({@link BaseModelSource#onnx}). */
    static PretrainedBert onnx(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no ONNX model at " + file);
        }
        String name = file.getFileName().toString();
        String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        Path dir = file.toAbsolutePath().getParent();
        Path tokenizer = dir.resolve(stem + "-tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) {
            tokenizer = dir.resolve(ModelArtifact.TOKENIZER_FILE);
        }
        if (!Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException(
                    "no tokenizer for " + file + ": expected " + stem + "-tokenizer.json or tokenizer.json beside it");
        }
        return new PretrainedBert(
                "onnx:" + name, OnnxBertImporter.read(file).validate(), readBytes(tokenizer), Pooling.MEAN, null, null);
    }

    /**
     * A Hugging Face checkpoint directory. {@code bert.} prefixes, TF-era {@code gamma}/{@code beta} LayerNorm names,
     * pre-training heads ({@code cls.*}) and integer buffers are handled; a {@code classifier.*} head is kept with
     * {@code id2label}'s names. Pooling: what a sentence-transformers {@code 1_Pooling/config.json} says, else the
     * pooler when there is one, else [CLS].
     */
    static PretrainedBert huggingFace(Path dir) {
        requireFile(dir, CONFIG_FILE);
        requireFile(dir, ModelArtifact.TOKENIZER_FILE);
        JsonNode configJson = readJson(dir.resolve(CONFIG_FILE));
        BertConfig config = BertConfig.fromHuggingFace(dir.resolve(CONFIG_FILE));
        List<NamedTensor> encoder = new ArrayList<>();
        NamedTensor headWeight = null;
        NamedTensor headBias = null;
        for (NamedTensor t : SafetensorsCheckpointReader.read(dir)) {
            String name = hfName(t.name());
            if (name.equals(ClassifierHead.WEIGHT)) {
                headWeight = t;
            } else if (name.equals(ClassifierHead.BIAS)) {
                headBias = t;
            } else if (!name.startsWith("cls.") && !name.endsWith("position_ids")) {
                encoder.add(t.renamed(name));
            }
        }
        BertWeights weights = BertWeights.of(config, encoder);
        List<String> problems = weights.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    dir + " does not hold the BERT encoder its config.json describes: " + String.join("; ", problems));
        }
        ClassifierHead head = null;
        List<String> headLabels = null;
        if (headWeight != null && headBias != null) {
            head = new ClassifierHead(headWeight, headBias);
            headLabels = id2label(configJson, head.numLabels());
        }
        Pooling pooling = sentenceTransformersPooling(dir);
        if (pooling == null) {
            pooling = weights.hasPooler() ? Pooling.POOLER : Pooling.CLS;
        }
        String name = configJson.path("_name_or_path").asText("");
        return new PretrainedBert(
                "hf:" + (name.isBlank() ? dir.getFileName() : name),
                weights,
                readBytes(dir.resolve(ModelArtifact.TOKENIZER_FILE)),
                pooling,
                head,
                headLabels);
    }

    /**
     * A Streamtune artifact: the exporter's {@code model.onnx} keeps Hugging Face names in PyTorch layout, so its
     * initializers are the weights; {@code config.json} (or the model's metadata) gives the config and the manifest
     * the labels and pooling. The caller verifies the signature before trusting a directory it did not write.
     */
    static PretrainedBert artifact(Path dir) {
        requireFile(dir, ModelArtifact.MANIFEST_FILE);
        requireFile(dir, ModelArtifact.MODEL_FILE);
        requireFile(dir, ModelArtifact.TOKENIZER_FILE);
        ModelManifest manifest;
        try {
            manifest =
                    Json.mapper().readValue(readBytes(dir.resolve(ModelArtifact.MANIFEST_FILE)), ModelManifest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    dir.resolve(ModelArtifact.MANIFEST_FILE) + " is not a manifest: " + e.getMessage(), e);
        }
        OnnxMl.ModelProto model;
        try (InputStream in = Files.newInputStream(dir.resolve(ModelArtifact.MODEL_FILE))) {
            model = OnnxBertImporter.parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(ModelArtifact.MODEL_FILE), e);
        }
        BertConfig config = Files.isRegularFile(dir.resolve(CONFIG_FILE))
                ? BertConfig.fromHuggingFace(dir.resolve(CONFIG_FILE))
                : configFromMetadata(model, dir);
        Map<String, NamedTensor> initializers = new TreeMap<>();
        for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                initializers.put(t.getName(), toTensor(t));
            }
        }
        NamedTensor w = initializers.remove(ClassifierHead.WEIGHT);
        NamedTensor b = initializers.remove(ClassifierHead.BIAS);
        if (w == null || b == null) {
            throw new IllegalArgumentException(dir.resolve(ModelArtifact.MODEL_FILE) + " has no classifier.weight /"
                    + " classifier.bias initializers: not a Streamtune export");
        }
        Map<String, long[]> expected =
                BertWeights.expectedShapes(config, initializers.containsKey(BertWeights.POOLER_DENSE + ".weight"));
        List<NamedTensor> encoder = new ArrayList<>();
        for (String name : expected.keySet()) {
            NamedTensor t = initializers.get(name);
            if (t != null) {
                encoder.add(t);
            }
        }
        BertWeights weights = BertWeights.of(config, encoder);
        List<String> problems = weights.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(dir.resolve(ModelArtifact.MODEL_FILE)
                    + " does not hold the encoder its config describes: " + String.join("; ", problems));
        }
        String description = manifest.name() + " v" + manifest.version() + " (from " + manifest.baseModel() + ")";
        return new PretrainedBert(
                description,
                weights,
                readBytes(dir.resolve(ModelArtifact.TOKENIZER_FILE)),
                manifest.pooling(),
                new ClassifierHead(w, b),
                manifest.labels());
    }

    /** Hugging Face name without the {@code bert.} prefix and with TF-era LayerNorm names fixed. */
    static String hfName(String stored) {
        String name = BertWeights.withoutPrefix(stored);
        if (name.endsWith("LayerNorm.gamma")) {
            return name.substring(0, name.length() - "gamma".length()) + "weight";
        }
        if (name.endsWith("LayerNorm.beta")) {
            return name.substring(0, name.length() - "beta".length()) + "bias";
        }
        return name;
    }

    private static List<String> id2label(JsonNode config, int numLabels) {
        JsonNode map = config.path("id2label");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < numLabels; i++) {
            labels.add(map.path(String.valueOf(i)).asText("LABEL_" + i));
        }
        return labels;
    }

    private static Pooling sentenceTransformersPooling(Path dir) {
        Path file = dir.resolve("1_Pooling").resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode node = readJson(file);
        if (node.path("pooling_mode_mean_tokens").asBoolean(false)) {
            return Pooling.MEAN;
        }
        if (node.path("pooling_mode_cls_token").asBoolean(false)) {
            return Pooling.CLS;
        }
        return null;
    }

    private static BertConfig configFromMetadata(OnnxMl.ModelProto model, Path dir) {
        for (OnnxMl.StringStringEntryProto entry : model.getMetadataPropsList()) {
            if (entry.getKey().equals(BertOnnxExporter.META_CONFIG)) {
                try {
                    return BertConfig.fromHuggingFace(Json.mapper().readTree(entry.getValue()));
                } catch (IOException e) {
                    throw new IllegalArgumentException("bad " + BertOnnxExporter.META_CONFIG + " in " + dir, e);
                }
            }
        }
        throw new IllegalArgumentException(
                dir + " has no config.json and its model.onnx no " + BertOnnxExporter.META_CONFIG + " metadata");
    }

    private static NamedTensor toTensor(OnnxMl.TensorProto t) {
        long[] shape = new long[t.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.getDims(i);
        }
        float[] data;
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            data = new float[raw.remaining() / Float.BYTES];
            raw.asFloatBuffer().get(data);
        } else {
            data = new float[t.getFloatDataCount()];
            for (int i = 0; i < data.length; i++) {
                data[i] = t.getFloatData(i);
            }
        }
        return new NamedTensor(t.getName(), shape, data);
    }

    private static void requireFile(Path dir, String name) {
        if (!Files.isRegularFile(dir.resolve(name))) {
            throw new IllegalArgumentException("no " + name + " in " + dir);
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return Json.mapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not readable JSON: " + e.getMessage(), e);
        }
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static byte[] classpathBytes(BaseModelSource.Packaged source, String resource) {
        try (InputStream in = classpathStream(source, resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        }
    }

    private static InputStream classpathStream(BaseModelSource.Packaged source, String resource) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = CheckpointLoader.class.getClassLoader();
        }
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("classpath resource " + resource + " of base model " + source.id()
                    + " is missing: is " + source.jar() + " on the classpath?");
        }
        return in;
    }
}
