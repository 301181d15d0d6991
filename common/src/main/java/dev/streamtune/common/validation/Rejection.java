package dev.streamtune.common.validation;

import java.util.Objects;

/** A refused record's reason: a stable code and a detail a person can act on. */
public record Rejection(RejectReason code, String detail) {

    public Rejection {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code CODE: detail}, as written to logs and the DLQ reason header. */
    public String reason() {
        return code + ": " + detail;
    }

    @Override
    public String toString() {
        return reason();
    }
}
