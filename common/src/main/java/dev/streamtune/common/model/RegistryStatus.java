package dev.streamtune.common.model;

/** What a record on the models topic says about a version. */
public enum RegistryStatus {
    /** Under the model-name key: this version is the one to serve. */
    LIVE,
    /** Under a version key: the version passed the gate and its artifact is complete. */
    PUBLISHED,
    /** Under a version key: the version failed the gate; never served. */
    REJECTED
}
