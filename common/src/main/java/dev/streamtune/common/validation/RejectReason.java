package dev.streamtune.common.validation;

/** Why a record was refused. The code travels in the DLQ headers; dashboards count by it. */
public enum RejectReason {
    /** Not valid JSON, or JSON of the wrong shape. */
    MALFORMED_JSON,
    /** The bytes are not valid UTF-8. */
    INVALID_UTF8,
    /** The whole record value is larger than any valid one can be. */
    PAYLOAD_TOO_LARGE,
    /** A required field is absent or null. */
    MISSING_FIELD,
    /** The text is empty or only whitespace. */
    EMPTY_TEXT,
    /** The text is longer than the configured maximum in UTF-8 bytes. */
    TEXT_TOO_LONG,
    /** The id is too long or has control characters. */
    INVALID_ID,
    /** The record key and the id in the value disagree. */
    KEY_ID_MISMATCH,
    /** The label is too long or has characters outside the allowed set. */
    INVALID_LABEL,
    /** Too many or too large attributes. */
    INVALID_ATTRIBUTES,
    /** Written with a newer schema than this service reads. */
    UNSUPPORTED_SCHEMA_VERSION,
    /** The record was valid but processing it failed; the detail names the failure. */
    PROCESSING_FAILED
}
