package dev.streamtune.inference.stream;

/** A transaction did not commit and is no longer open; the input must be rewound or retried. */
final class TransactionAbortedException extends Exception {

    private final boolean causedByRecord;

    TransactionAbortedException(Throwable cause, boolean causedByRecord) {
        super("transaction aborted: " + cause, cause);
        this.causedByRecord = causedByRecord;
    }

    /** Whether one of the transaction's records caused it, so that the same records would fail again. */
    boolean causedByRecord() {
        return causedByRecord;
    }
}
