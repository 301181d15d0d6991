package dev.streamtune.trainer.bert.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.trainer.bert.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetToolsTest {

    @TempDir
    Path dir;

    @Test
    void shouldBatchEveryExampleOnceWithSimilarLengthsAndReproducibly() {
        int[] lengths = new int[200];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = 5 + (i * 37) % 120;
        }
        List<int[]> batches = LengthBucketBatcher.batches(lengths, 16, 1, 1);
        Set<Integer> seen = new HashSet<>();
        long padding = 0;
        for (int[] batch : batches) {
            int max = 0;
            for (int i : batch) {
                assertThat(seen.add(i)).isTrue();
                max = Math.max(max, lengths[i]);
            }
            for (int i : batch) {
                padding += max - lengths[i];
            }
        }
        assertThat(seen).hasSize(200);
        long randomPadding = 0; // the same batches without sorting: what bucketing saves
        for (int start = 0; start < 200; start += 16) {
            int[] batch = Arrays.copyOfRange(lengths, start, Math.min(200, start + 16));
            int max = Arrays.stream(batch).max().orElseThrow();
            randomPadding += Arrays.stream(batch).map(l -> max - l).sum();
        }
        assertThat(padding).isLessThan(randomPadding / 4);
        assertThat(LengthBucketBatcher.batches(lengths, 16, 1, 1))
                .usingRecursiveComparison()
                .isEqualTo(batches);
        assertThat(LengthBucketBatcher.batches(lengths, 16, 1, 2))
                .usingRecursiveComparison()
                .isNotEqualTo(batches);
    }

    @Test
    void shouldHoldOutAStratifiedDeterministicShare() {
        List<LabeledText> examples = TestData.topics(100, 3);
        DatasetSplitter.Split split = DatasetSplitter.stratified(examples, 0.2, 9);
        assertThat(split.holdout()).hasSize(20);
        assertThat(split.holdout().stream().filter(e -> e.label().equals("sports")))
                .hasSize(10);
        assertThat(DatasetSplitter.stratified(examples, 0.2, 9)).isEqualTo(split);
    }

    @Test
    void shouldReadAndWriteJsonlAndNameTheBadLine() throws Exception {
        Path file = dir.resolve("data.jsonl");
        List<LabeledText> examples = List.of(new LabeledText("héllo \"world\"\nline", "a"), new LabeledText("b", "c"));
        JsonlDatasets.write(file, examples);
        assertThat(JsonlDatasets.read(file)).isEqualTo(examples);
        assertThat(JsonlDatasets.labelsOf(examples)).containsExactly("a", "c");

        Files.writeString(file, "{\"text\":\"ok\",\"label\":\"a\"}\n\n{\"text\":\"\",\"label\":\"a\"}\n");
        assertThatThrownBy(() -> JsonlDatasets.read(file)).hasMessageContaining("data.jsonl:3");
        Files.writeString(file, "not json\n");
        assertThatThrownBy(() -> JsonlDatasets.read(file)).hasMessageContaining("data.jsonl:1: not JSON");
    }
}
