package dev.streamtune.common.event;

/** Where a record was read from: the position that makes a prediction traceable to its input. */
public record SourceRef(String topic, int partition, long offset) {}
