package dev.streamtune.inference.stream;

import java.time.Duration;

/**
 * How many records the classify loop gathers into one batch. A record's latency is about the rest of the batch in
 * flight, plus its own batch's inference, plus the commit: under a moderate load, batches as large as the loop can
 * gather make every record wait for a large batch. So a batch is capped at what the engine classifies in {@code
 * maxLatency}, from the measured inference time per record (a moving average over the last batches); and the cap is
 * lifted while the service is behind (more records already waiting than one capped batch holds), so that at saturation
 * batches grow to {@code maxRecords} and cost less per record. No clock in here: the loop measures and says.
 */
final class BatchBudget {

    /** Weight of the latest batch in the moving average of the time per record. */
    static final double SMOOTHING = 0.2;

    private final int maxRecords;
    private final long maxLatencyNanos;
    private double nanosPerRecord = Double.NaN; // none measured yet

    /** @param maxLatency inference time one batch may take; zero: no cap but {@code maxRecords} */
    BatchBudget(int maxRecords, Duration maxLatency) {
        if (maxRecords < 1 || maxLatency.isNegative()) {
            throw new IllegalArgumentException("max-records must be positive and max-batch-latency not negative, not "
                    + maxRecords + " and " + maxLatency);
        }
        this.maxRecords = maxRecords;
        this.maxLatencyNanos = maxLatency.toNanos();
    }

    /** A batch of {@code records} texts took the engine {@code nanos} to classify (its own time, not its wait). */
    void record(int records, long nanos) {
        if (records <= 0 || nanos <= 0) {
            return;
        }
        double perRecord = (double) nanos / records;
        nanosPerRecord =
                Double.isNaN(nanosPerRecord) ? perRecord : SMOOTHING * perRecord + (1 - SMOOTHING) * nanosPerRecord;
    }

    /**
     * Most records the next batch takes.
     *
     * @param waiting records already fetched or still in the topic behind what the batch holds (the consumer's lag)
     */
    int limit(long waiting) {
        if (maxLatencyNanos == 0 || Double.isNaN(nanosPerRecord)) {
            return maxRecords;
        }
        int capped = (int) Math.max(1, Math.min(maxRecords, Math.floor(maxLatencyNanos / nanosPerRecord)));
        return waiting >= capped ? maxRecords : capped; // behind: large batches drain it faster
    }

    /** The moving average of inference time per record, NaN before the first batch. */
    double nanosPerRecord() {
        return nanosPerRecord;
    }
}
