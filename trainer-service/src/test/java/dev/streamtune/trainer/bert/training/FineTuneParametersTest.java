package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.NamedTensor;
import dev.streamtune.trainer.bert.TestData;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * What each strategy trains, tensor by tensor, on a tiny random BERT (2 layers, 32 wide): the frozen ones come back
 * bit for bit, every other encoder tensor moved. A backward pass or an optimizer step that silently does nothing fails
 * here, where an accuracy threshold on separable text would not notice.
 */
class FineTuneParametersTest {

    private static final List<String> LABELS = FineTuneBehaviourTest.LABELS;
    private static final List<LabeledText> TRAIN = TestData.topics(48, 31);
    private static final List<LabeledText> VALIDATION = TestData.topics(16, 32);

    @Test
    void shouldMoveEveryEncoderTensorButTheWordEmbeddingsAndLowerTheTrainingLossForFull() {
        FineTuneSettings settings = FineTuneBehaviourTest.tiny()
                .optStrategy(FineTuneStrategy.FULL)
                .optEpochs(3)
                .optPatience(3)
                .optSeed(5)
                .build();
        try (FineTuneResult result = new BertFineTuner().fit(TRAIN, VALIDATION, LABELS, settings, null, null)) {
            Map<String, Boolean> moved = moved(result);

            assertThat(unchanged(moved)).containsExactly(BertWeights.WORD_EMBEDDINGS);
            assertThat(moved).containsKey("encoder.layer.1.output.dense.weight");
            List<EpochMetrics> history = result.history();
            assertThat(history).hasSize(3);
            assertThat(history.get(2).trainLoss()).isLessThan(history.get(0).trainLoss());
        }
    }

    @Test
    void shouldAlsoTrainTheWordEmbeddingsWhenAsked() {
        FineTuneSettings settings = FineTuneBehaviourTest.tiny()
                .optStrategy(FineTuneStrategy.FULL)
                .optTrainWordEmbeddings(true)
                .optEpochs(1)
                .optSeed(5)
                .build();
        try (FineTuneResult result = new BertFineTuner().fit(TRAIN, VALIDATION, LABELS, settings, null, null)) {
            assertThat(unchanged(moved(result))).isEmpty();
        }
    }

    @Test
    void shouldFreezeTheEmbeddingsAndTheBottomLayersForFreezeBottom() {
        FineTuneSettings settings = FineTuneBehaviourTest.tiny()
                .optStrategy(FineTuneStrategy.FREEZE_BOTTOM)
                .optFrozenLayers(1)
                .optEpochs(1)
                .optSeed(5)
                .build();
        try (FineTuneResult result = new BertFineTuner().fit(TRAIN, VALIDATION, LABELS, settings, null, null)) {
            Map<String, Boolean> moved = moved(result);
            Predicate<String> frozen =
                    name -> name.startsWith("embeddings.") || name.startsWith(BertWeights.layerPrefix(0));

            assertThat(unchanged(moved)).allMatch(frozen).isNotEmpty();
            assertThat(moved.keySet().stream().filter(frozen)).allMatch(name -> !moved.get(name));
            assertThat(moved.keySet().stream().filter(frozen.negate()))
                    .isNotEmpty()
                    .allMatch(moved::get);
        }
    }

    /** Whether each encoder tensor differs from the pre-trained one. */
    private static Map<String, Boolean> moved(FineTuneResult result) {
        BertWeights before = TestData.tinyBert(3).weights();
        BertWeights after = result.classifier().encoderWeights();
        Map<String, Boolean> moved = new TreeMap<>();
        for (NamedTensor tensor : before.tensors().values()) {
            if (tensor.name().startsWith("pooler.")) {
                continue; // mean pooling: the pooler is not part of the network being trained
            }
            moved.put(
                    tensor.name(),
                    !Arrays.equals(tensor.data(), after.tensor(tensor.name()).data()));
        }
        return moved;
    }

    private static List<String> unchanged(Map<String, Boolean> moved) {
        return moved.entrySet().stream()
                .filter(e -> !e.getValue())
                .map(Map.Entry::getKey)
                .toList();
    }
}
