package dev.streamtune.trainer.dataset;

import dev.streamtune.common.event.LabeledExample;
import java.time.Instant;

/**
 * One example as the dataset store keeps it: the latest valid value for its id and where that value was read.
 *
 * @param updatedAt record timestamp of the value
 */
public record DatasetEntry(LabeledExample example, Split split, int partition, long offset, Instant updatedAt) {}
