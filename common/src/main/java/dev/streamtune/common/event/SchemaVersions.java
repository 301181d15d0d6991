package dev.streamtune.common.event;

/** Schema versions of the JSON values on Streamtune topics. A record read without one is taken as version 1. */
public final class SchemaVersions {

    /** The version every record in this build writes and the highest it reads. */
    public static final int CURRENT = 1;

    private SchemaVersions() {}

    static int orCurrent(int schemaVersion) {
        return schemaVersion == 0 ? CURRENT : schemaVersion;
    }
}
