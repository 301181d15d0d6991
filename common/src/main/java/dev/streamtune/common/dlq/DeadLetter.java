package dev.streamtune.common.dlq;

import java.time.Instant;

/**
 * What the DLQ headers say about a refused record; the DLQ record's key and value are the original bytes.
 *
 * @param reasonCode a {@link dev.streamtune.common.validation.RejectReason} name
 * @param reason the human-readable reason ({@code CODE: detail})
 * @param component the service and stage that refused it, e.g. {@code trainer/dataset}
 * @param rejectedAt when it was refused
 * @param originalValueBytes the refused value's size when the dead letter holds only its beginning (else null)
 * @param originalValueSha256 the refused value's SHA-256 (hex) when the dead letter holds only its beginning
 */
public record DeadLetter(
        String reasonCode,
        String reason,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String component,
        Instant rejectedAt,
        Long originalValueBytes,
        String originalValueSha256) {}
