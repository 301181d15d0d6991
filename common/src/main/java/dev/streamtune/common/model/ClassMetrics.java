package dev.streamtune.common.model;

/** Precision, recall and F1 of one label, with its number of true examples. */
public record ClassMetrics(double precision, double recall, double f1, long support) {}
