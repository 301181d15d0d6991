package dev.streamtune.common.model;

/** One file of a model artifact: its SHA-256 (lower-case hex) and size. */
public record ArtifactFile(String sha256, long bytes) {}
