package dev.streamtune.inference.engine;

import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Classifies a list of texts with one model: tokenize, group by length, one ONNX Runtime call per group, arg-max in
 * plain Java. The one code path behind the stream, the REST API, warm-up and self-checks. A group that fails is
 * retried text by text so that one bad text fails alone; if nothing could be classified the whole call fails.
 */
public final class BatchClassifier implements CandidateClassifier {

    private static final Logger LOG = Logger.getLogger(BatchClassifier.class);

    private final BatchPlanner planner;
    private final InferenceMetrics metrics;

    public BatchClassifier(BatchPlanner planner, InferenceMetrics metrics) {
        this.planner = planner;
        this.metrics = metrics;
    }

    public BatchPlanner planner() {
        return planner;
    }

    @Override
    public List<ClassifyOutcome> classify(LoadedModel model, List<String> texts) throws InferenceException {
        int n = texts.size();
        ClassifyOutcome[] outcomes = new ClassifyOutcome[n];
        TokenizedText[] encoded = new TokenizedText[n];
        List<Integer> encodable = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                encoded[i] = model.tokenizer().encode(texts.get(i), model.maxLength(), model.truncation());
                encodable.add(i);
            } catch (RuntimeException e) {
                outcomes[i] = new ClassifyOutcome.Failure("tokenization failed: " + e.getMessage());
            }
        }
        int[] lengths = encodable.stream().mapToInt(i -> encoded[i].length()).toArray();
        Throwable lastFailure = null;
        int inferred = 0;
        for (int[] group : planner.plan(lengths)) {
            int[] indices = Arrays.stream(group).map(encodable::get).toArray();
            try {
                run(model, encoded, indices, outcomes);
                inferred += indices.length;
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                // an Error here is one call's (a huge tensor, a deep native stack): the texts alone may still run
                lastFailure = e;
                LOG.warnf("inference failed on a group of %d texts (%s); retrying them one by one", indices.length, e);
                for (int index : indices) {
                    try {
                        run(model, encoded, new int[] {index}, outcomes);
                        inferred++;
                    } catch (Exception | OutOfMemoryError | StackOverflowError single) {
                        lastFailure = single;
                        outcomes[index] = new ClassifyOutcome.Failure("inference failed: " + single.getMessage());
                    }
                }
            }
        }
        if (inferred == 0 && lastFailure != null) {
            throw InferenceException.failed(
                    "inference failed on every text of the batch: " + lastFailure.getMessage(), lastFailure);
        }
        return Arrays.asList(outcomes);
    }

    private void run(LoadedModel model, TokenizedText[] encoded, int[] indices, ClassifyOutcome[] outcomes)
            throws Exception {
        List<TokenizedText> rows = new ArrayList<>(indices.length);
        long realTokens = 0;
        for (int index : indices) {
            rows.add(encoded[index]);
            realTokens += encoded[index].length();
        }
        TokenBatch batch = TokenBatch.pad(rows, model.tokenizer().padTokenId());
        long start = System.nanoTime();
        float[] probabilities = model.runner().probabilities(batch);
        long nanos = System.nanoTime() - start;
        int labels = model.labels().size();
        if (probabilities.length != (long) indices.length * labels) {
            throw new IllegalStateException("label-count mismatch: the model gave " + probabilities.length
                    + " probabilities for " + indices.length + " texts, the manifest lists " + labels + " labels");
        }
        metrics.subBatch(indices.length, realTokens, (long) batch.batchSize() * batch.sequenceLength(), nanos);
        for (int row = 0; row < indices.length; row++) {
            float[] p = Arrays.copyOfRange(probabilities, row * labels, (row + 1) * labels);
            int best = 0;
            for (int j = 1; j < labels; j++) {
                if (p[j] > p[best]) {
                    best = j;
                }
            }
            TokenizedText text = encoded[indices[row]];
            outcomes[indices[row]] = new ClassifyOutcome.Success(new Classification(
                    best, model.labels().get(best), p[best], p, text.tokenCount(), text.length(), text.unknownCount()));
        }
    }
}
