package dev.streamtune.trainer.bert.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {

    private static final String ENCODER_A = "aa".repeat(32);
    private static final String ENCODER_B = "bb".repeat(32);
    private static final int HIDDEN = 8;

    @TempDir
    Path dir;

    /** A fake encoder: a text's vector is derived from its hash code; every call is recorded. */
    private final List<List<String>> calls = new ArrayList<>();

    private final Function<List<String>, float[][]> encoder = texts -> {
        calls.add(List.copyOf(texts));
        return texts.stream().map(FeatureCacheTest::vector).toArray(float[][]::new);
    };

    private static float[] vector(String text) {
        float[] v = new float[HIDDEN];
        for (int i = 0; i < HIDDEN; i++) {
            v[i] = text.hashCode() * 0.001f + i;
        }
        return v;
    }

    private static List<String> texts(String prefix, int n) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add(prefix + " text number " + i);
        }
        return texts;
    }

    private int encodedCount() {
        return calls.stream().mapToInt(List::size).sum();
    }

    @Test
    void shouldEncodeOnlyTextsItHasNotSeenAcrossInstances() {
        List<String> first = texts("old", 20);
        FeatureCache.Lookup lookup = new FeatureCache(dir, 1 << 20).features(ENCODER_A, first, encoder);
        assertThat(lookup.encoded()).isEqualTo(20);
        assertThat(lookup.hits()).isZero();

        List<String> second = new ArrayList<>(first);
        second.addAll(texts("new", 3));
        second.add(first.get(0)); // a duplicate is looked up, not encoded twice
        calls.clear();
        FeatureCache reopened = new FeatureCache(dir, 1 << 20); // a restarted trainer: from the file
        lookup = reopened.features(ENCODER_A, second, encoder);

        assertThat(calls).containsExactly(texts("new", 3));
        assertThat(lookup.encoded()).isEqualTo(3);
        assertThat(lookup.hits()).isEqualTo(21);
        for (int i = 0; i < second.size(); i++) {
            assertThat(lookup.vectors()[i]).containsExactly(vector(second.get(i)));
        }
    }

    @Test
    void shouldEncodeEverythingAgainForAnotherEncoderDigest() {
        List<String> texts = texts("t", 10);
        FeatureCache cache = new FeatureCache(dir, 1 << 20);
        cache.features(ENCODER_A, texts, encoder);
        calls.clear();

        FeatureCache.Lookup lookup = cache.features(ENCODER_B, texts, encoder);

        assertThat(lookup.encoded()).isEqualTo(10);
        assertThat(encodedCount()).isEqualTo(10);
        calls.clear();
        assertThat(cache.features(ENCODER_A, texts, encoder).encoded()).isZero(); // A's file is still there
    }

    @Test
    void shouldKeepTheGoodRecordsOfATruncatedFileAndReencodeTheRest() throws IOException {
        List<String> texts = texts("t", 10);
        new FeatureCache(dir, 1 << 20).features(ENCODER_A, texts, encoder);
        Path file = dir.resolve(ENCODER_A + ".features");
        long recordBytes = 32 + 4L * HIDDEN + 4;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - recordBytes / 2); // a write cut off half-way through the last record
        }
        calls.clear();

        FeatureCache.Lookup lookup = new FeatureCache(dir, 1 << 20).features(ENCODER_A, texts, encoder);

        assertThat(lookup.encoded()).isEqualTo(1);
        assertThat(lookup.vectors()[9]).containsExactly(vector(texts.get(9)));
        assertThat(Files.size(file)).isEqualTo(12 + 10 * recordBytes); // repaired, then the re-encoded record appended
    }

    @Test
    void shouldDropRecordsFromAFlippedByteOnAndRebuildAGarbageFile() throws IOException {
        List<String> texts = texts("t", 10);
        new FeatureCache(dir, 1 << 20).features(ENCODER_A, texts, encoder);
        Path file = dir.resolve(ENCODER_A + ".features");
        long recordBytes = 32 + 4L * HIDDEN + 4;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(12 + 4 * recordBytes + 40); // inside the 5th record's vector
            raf.write(0x5a);
        }
        calls.clear();
        assertThat(new FeatureCache(dir, 1 << 20)
                        .features(ENCODER_A, texts, encoder)
                        .encoded())
                .isEqualTo(6); // records 5..10 lost with the checksum, 1..4 kept

        Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7}); // not a cache file at all
        calls.clear();
        FeatureCache.Lookup lookup = new FeatureCache(dir, 1 << 20).features(ENCODER_A, texts, encoder);
        assertThat(lookup.encoded()).isEqualTo(10);
        assertThat(lookup.vectors()[3]).containsExactly(vector(texts.get(3)));
        calls.clear();
        assertThat(new FeatureCache(dir, 1 << 20)
                        .features(ENCODER_A, texts, encoder)
                        .encoded())
                .isZero();
    }

    @Test
    void shouldEvictOtherEncodersFirstToStayUnderItsBound() throws IOException {
        long recordBytes = 32 + 4L * HIDDEN + 4;
        long bound = 12 + 15 * recordBytes;
        FeatureCache cache = new FeatureCache(dir, bound);
        cache.features(ENCODER_B, texts("b", 10), encoder);
        assertThat(dir.resolve(ENCODER_B + ".features")).exists();

        cache.features(ENCODER_A, texts("a", 10), encoder);

        assertThat(dir.resolve(ENCODER_B + ".features")).doesNotExist();
        assertThat(Files.size(dir.resolve(ENCODER_A + ".features"))).isLessThanOrEqualTo(bound);

        List<String> more = texts("a", 14); // 4 more: over the bound again; only this request's texts are kept
        cache.features(ENCODER_A, more, encoder);
        cache.features(ENCODER_A, texts("z", 3), encoder);
        assertThat(Files.size(dir.resolve(ENCODER_A + ".features"))).isLessThanOrEqualTo(bound);
        calls.clear();
        assertThat(new FeatureCache(dir, bound)
                        .features(ENCODER_A, texts("z", 3), encoder)
                        .encoded())
                .isZero();
    }
}
