package dev.streamtune.inference.engine;

import dev.streamtune.inference.model.LoadedModel;
import java.util.List;

/**
 * Classifies texts with a model that is not in service yet: the loader's warm-up and self-checks go through one.
 * {@link BatchClassifier} runs them on the calling thread; {@link BatchingEngine#betweenBatches} runs them on the
 * engine thread between served batches while a version serves, so that a new version's runtime calls never compete
 * with the serving one's, and on the calling thread while none does (start-up).
 */
@FunctionalInterface
public interface CandidateClassifier {

    List<ClassifyOutcome> classify(LoadedModel candidate, List<String> texts) throws InferenceException;

    /**
     * Whether calls made now run between served batches, each one holding up the stream while it runs: the loader
     * then makes each call small (one text). When false (nothing is served yet) it batches them, at full speed.
     */
    default boolean sharesTheEngine() {
        return false;
    }
}
