package dev.streamtune.trainer.training;

import dev.streamtune.trainer.dataset.DatasetSnapshot;
import java.util.Collection;
import java.util.Set;

/** The live dataset, as a training run needs it. */
public interface DatasetAccess {

    DatasetSnapshot snapshot();

    /** Those of {@code ids} that are no longer in the dataset (deleted since a snapshot). */
    Set<String> deleted(Collection<String> ids);
}
