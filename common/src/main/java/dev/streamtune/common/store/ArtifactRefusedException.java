package dev.streamtune.common.store;

import java.io.IOException;

/**
 * An artifact URI or artifact the store will not follow (outside its root, bucket or prefix; a symbolic link inside):
 * unlike other I/O failures, trying again will not change it.
 */
public final class ArtifactRefusedException extends IOException {

    public ArtifactRefusedException(String message) {
        super(message);
    }
}
