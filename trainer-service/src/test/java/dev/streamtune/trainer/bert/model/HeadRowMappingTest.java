package dev.streamtune.trainer.bert.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import dev.streamtune.trainer.bert.TestData;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A warm start's head: rows follow label names, not indices; new labels start fresh; dropped ones vanish. */
class HeadRowMappingTest {

    @Test
    void shouldMapHeadRowsByLabelNameAndDrawNewRowsForNewLabels() throws Exception {
        int hidden = TestData.tinyConfig().hiddenSize();
        float[] weight = new float[3 * hidden];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = 1 + i / hidden; // row r is all r+1
        }
        PretrainedBert champion = new PretrainedBert(
                "artifact:v1",
                BertWeights.random(TestData.tinyConfig(), 3),
                TestData.miniLmTokenizer(),
                Pooling.MEAN,
                ClassifierHead.of(weight, new float[] {0.1f, 0.2f, 0.3f}, hidden),
                List.of("a", "b", "gone"));

        ClassifierHead head = BertClassifier.initialHead(champion, List.of("b", "a", "c"), hidden, 7);

        assertThat(row(head, 0, hidden)).containsOnly(2f); // b was row 1
        assertThat(row(head, 1, hidden)).containsOnly(1f); // a was row 0
        assertThat(head.bias().data()).containsExactly(0.2f, 0.1f, 0f);
        float[] fresh = row(head, 2, hidden); // c: BERT's N(0, 0.02) initialisation, not a copied row
        for (float v : fresh) {
            assertThat(Math.abs(v)).isLessThan(0.2f);
        }
        assertThat(Arrays.equals(fresh, new float[hidden])).isFalse();
        assertThat(head.numLabels()).isEqualTo(3); // "gone" has no row
    }

    private static float[] row(ClassifierHead head, int row, int hidden) {
        return Arrays.copyOfRange(head.weight().data(), row * hidden, (row + 1) * hidden);
    }
}
