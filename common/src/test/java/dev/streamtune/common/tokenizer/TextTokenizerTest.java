package dev.streamtune.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextTokenizerTest {

    private static final String LONG_TEXT = "Streamtune keeps a BERT text classifier continuously fine-tuned from"
            + " labeled examples that arrive on Kafka, and serves it on streaming text with zero-downtime model swaps."
            + " Trained with PyTorch, served with ONNX Runtime: the same split production teams use.";

    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = TextTokenizer.fromClasspath(TextTokenizer.ALL_MINILM_L6_V2_RESOURCE);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void shouldEncodeAKnownSentenceToBertUncasedIds() {
        TokenizedText text = tokenizer.encode("Hello, world!", 128);

        assertThat(text.ids()).containsExactly(101, 7592, 1010, 2088, 999, 102);
        assertThat(text.typeIds()).containsOnly(0);
        assertThat(text.attentionMask()).containsOnly(1).hasSize(6);
        assertThat(text.tokenCount()).isEqualTo(6);
        assertThat(text.unknownCount()).isZero();
        assertThat(text.truncated()).isFalse();
    }

    @Test
    void shouldExposeSpecialTokenIdsAndVocabularySize() {
        assertThat(tokenizer.padTokenId()).isZero();
        assertThat(tokenizer.unkTokenId()).isEqualTo(100);
        assertThat(tokenizer.clsTokenId()).isEqualTo(101);
        assertThat(tokenizer.sepTokenId()).isEqualTo(102);
        assertThat(tokenizer.vocabSize()).isEqualTo(30522);
    }

    @Test
    void shouldIgnoreThePaddingConfiguredInTheFile() {
        // the MiniLM tokenizer.json pads to a fixed 128 and truncates at 128
        assertThat(tokenizer.encode("Hi", 512).ids()).containsExactly(101, 7632, 102);
        assertThat(tokenizer.encode(LONG_TEXT.repeat(4), 512).length()).isGreaterThan(128);
    }

    @Test
    void shouldTruncateAtMaxLengthAndReportTheFullTokenCount() {
        TokenizedText full = tokenizer.encode(LONG_TEXT, 512);
        TokenizedText cut = tokenizer.encode(LONG_TEXT, 16);

        assertThat(full.length()).isGreaterThan(40);
        assertThat(cut.length()).isEqualTo(16);
        assertThat(cut.tokenCount()).isEqualTo(full.length());
        assertThat(cut.truncated()).isTrue();
        assertThat(cut.ids()[0]).isEqualTo(101);
        assertThat(cut.ids()[15]).isEqualTo(102);
        assertThat(java.util.Arrays.copyOf(cut.ids(), 15)).containsExactly(java.util.Arrays.copyOf(full.ids(), 15));
    }

    @Test
    void shouldKeepAQuarterFromTheBeginningAndTheRestFromTheEndWithHeadTail() {
        TokenizedText full = tokenizer.encode(LONG_TEXT, 512);
        long[] all = full.ids();
        int n = all.length;

        TokenizedText cut = tokenizer.encode(LONG_TEXT, 18, Truncation.HEAD_TAIL);

        // 16 tokens of room between [CLS] and [SEP]: 4 from the beginning, 12 from the end
        assertThat(cut.length()).isEqualTo(18);
        assertThat(cut.tokenCount()).isEqualTo(n);
        assertThat(cut.truncated()).isTrue();
        assertThat(java.util.Arrays.copyOfRange(cut.ids(), 0, 5))
                .as("[CLS] and the first 4 tokens")
                .containsExactly(java.util.Arrays.copyOfRange(all, 0, 5));
        assertThat(java.util.Arrays.copyOfRange(cut.ids(), 5, 18))
                .as("the last 12 tokens and [SEP]")
                .containsExactly(java.util.Arrays.copyOfRange(all, n - 13, n));
        assertThat(tokenizer.encodeBatch(List.of(LONG_TEXT, "short one"), 18, Truncation.HEAD_TAIL))
                .extracting(t -> java.util.Arrays.toString(t.ids()))
                .containsExactly(
                        java.util.Arrays.toString(cut.ids()),
                        java.util.Arrays.toString(
                                tokenizer.encode("short one", 18).ids()));
        assertThat(tokenizer.encode(LONG_TEXT, 16, Truncation.HEAD).ids())
                .as("head is the default")
                .containsExactly(tokenizer.encode(LONG_TEXT, 16).ids());
    }

    @Test
    void shouldNameTruncationsAsManifestsAndTheCliDo() {
        assertThat(Truncation.of("head-tail")).isEqualTo(Truncation.HEAD_TAIL);
        assertThat(Truncation.of("HEAD_TAIL")).isEqualTo(Truncation.HEAD_TAIL);
        assertThat(Truncation.of(null)).as("an artifact from before the field").isEqualTo(Truncation.HEAD);
        assertThat(Truncation.HEAD_TAIL.id()).isEqualTo("head-tail");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Truncation.of("middle"))
                .hasMessageContaining("head-tail");
    }

    @Test
    void shouldTruncateExactlyAsHuggingFaceTruncationDoes() throws IOException {
        Map<String, String> options = Map.of("truncation", "true", "maxLength", "16", "padding", "false");
        try (HuggingFaceTokenizer reference =
                HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizer.definition()), options)) {
            for (String text :
                    List.of(LONG_TEXT, "short one", "exactly fourteen tokens are in this sentence , I think so", "")) {
                Encoding expected = reference.encode(text);

                TokenizedText actual = tokenizer.encode(text, 16);

                assertThat(actual.ids()).as(text).containsExactly(expected.getIds());
                assertThat(actual.typeIds()).as(text).containsExactly(expected.getTypeIds());
            }
        }
    }

    @Test
    void shouldCountUnknownTokens() {
        TokenizedText text = tokenizer.encode("hello \uD83E\uDD17 world \uD83D\uDE80", 128);

        assertThat(text.ids()).containsExactly(101, 7592, 100, 2088, 100, 102);
        assertThat(text.unknownCount()).isEqualTo(2);
    }

    @Test
    void shouldEncodeABatchAsItEncodesEachText() {
        List<String> texts = List.of("Hello, world!", LONG_TEXT, "", "hello \uD83E\uDD17");

        List<TokenizedText> batch = tokenizer.encodeBatch(texts, 24);

        assertThat(batch).hasSize(4);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.get(i)).isEqualTo(tokenizer.encode(texts.get(i), 24));
        }
        assertThat(batch.get(2).ids()).containsExactly(101, 102);
    }

    @Test
    void shouldEncodeTheSameFromManyThreads() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            texts.add(LONG_TEXT.substring(0, 10 + i * 3) + " " + i);
        }
        List<TokenizedText> expected =
                texts.stream().map(t -> tokenizer.encode(t, 32)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<TokenizedText>>> results = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                results.add(pool.submit(
                        () -> texts.stream().map(t -> tokenizer.encode(t, 32)).toList()));
            }
            for (Future<List<TokenizedText>> result : results) {
                assertThat(result.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseBadArguments() {
        assertThatThrownBy(() -> tokenizer.encode("hi", 1)).hasMessageContaining("maxLength must be at least 2");
        assertThatThrownBy(() -> tokenizer.encode(null, 8)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldSayWhyATokenizerFileIsUnusable() {
        assertThatThrownBy(() ->
                        TextTokenizer.fromStream(new ByteArrayInputStream("not json".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.json is not valid JSON");
        assertThatThrownBy(
                        () -> TextTokenizer.fromStream(new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.json has no model.vocab");
    }

    @Test
    void shouldPadABatchToItsLongestText() {
        TokenBatch batch = TokenBatch.pad(tokenizer.encodeBatch(List.of("Hello, world!", "Hi"), 128), 0);

        assertThat(batch.shape()).containsExactly(2, 6);
        assertThat(batch.inputIds()).containsExactly(101, 7592, 1010, 2088, 999, 102, 101, 7632, 102, 0, 0, 0);
        assertThat(batch.attentionMask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0);
        assertThat(batch.tokenTypeIds()).containsOnly(0);
    }
}
