package dev.streamtune.trainer.bert.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

/** Where fine-tuning starts from. Nothing is downloaded: every source is a jar resource or a local directory. */
public sealed interface BaseModelSource {

    /** all-MiniLM-L6-v2 from the langchain4j jar on the classpath (ONNX + tokenizer.json). */
    static BaseModelSource miniLm() {
        return MiniLm.INSTANCE;
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
     * Parses a command-line value: {@code minilm}, {@code hf:<dir>}, {@code artifact:<dir>}, {@code onnx:<file>}, an
     * {@code .onnx} file, or a directory (an artifact if it holds {@code manifest.json}, a Hugging Face checkpoint
     * otherwise).
     */
    static BaseModelSource parse(String value) {
        Objects.requireNonNull(value, "base model");
        if (value.equalsIgnoreCase("minilm") || value.equalsIgnoreCase(MiniLm.ID)) {
            return miniLm();
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
                + "' is neither 'minilm', an .onnx file nor a directory holding manifest.json (artifact) or"
                + " config.json (checkpoint)");
    }

    /** How the manifest names this base model. */
    String describe();

    record MiniLm() implements BaseModelSource {
        public static final String ID = "sentence-transformers/all-MiniLM-L6-v2";
        static final MiniLm INSTANCE = new MiniLm();

        @Override
        public String describe() {
            return ID;
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
