package dev.streamtune.common.model;

/** A range of offsets of one topic-partition, both ends inclusive. */
public record OffsetRange(String topic, int partition, long fromOffset, long toOffset) {}
