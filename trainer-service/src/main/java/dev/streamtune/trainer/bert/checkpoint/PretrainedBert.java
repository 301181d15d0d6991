package dev.streamtune.trainer.bert.checkpoint;

import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.ClassifierHead;
import java.util.List;
import java.util.Objects;

/**
 * A loaded base model: encoder weights (with their config), the tokenizer definition, the pooling it was trained for,
 * and, when it was already a classifier (a Streamtune artifact or a {@code BertForSequenceClassification}
 * checkpoint), its head and label names so that fine-tuning can continue from them.
 *
 * @param description how manifests name it
 * @param tokenizerJson the {@code tokenizer.json} bytes
 * @param defaultPooling the pooling the base model was trained with
 * @param head the existing classification head, or null
 * @param headLabels label names of {@code head}'s rows, or null
 */
public record PretrainedBert(
        String description,
        BertWeights weights,
        byte[] tokenizerJson,
        Pooling defaultPooling,
        ClassifierHead head,
        List<String> headLabels) {

    public PretrainedBert {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        Objects.requireNonNull(defaultPooling, "defaultPooling");
        headLabels = headLabels == null ? null : List.copyOf(headLabels);
        if ((head == null) != (headLabels == null)) {
            throw new IllegalArgumentException("a head needs its label names and label names need a head");
        }
        if (head != null && head.numLabels() != headLabels.size()) {
            throw new IllegalArgumentException(
                    "head has " + head.numLabels() + " outputs but " + headLabels.size() + " labels are named");
        }
    }

    public boolean hasHead() {
        return head != null;
    }
}
