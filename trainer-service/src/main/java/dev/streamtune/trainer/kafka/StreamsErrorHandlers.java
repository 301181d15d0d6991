package dev.streamtune.trainer.kafka;

import dev.streamtune.common.kafka.ProducerFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

/**
 * The trainer topology's failure handlers, each naming the record's topic, partition and offset. Examples, commands and
 * alerts are read as bytes and refused to the DLQ by the processors themselves, so these see what is left: a
 * malformed registry record (skipped: the registry is written by trainers only), a processor bug (skipped, logged at
 * error), a dead letter too large to write (skipped), any other production failure (the thread dies: retried from the
 * last commit by a replacement thread, a bounded number of times).
 */
public final class StreamsErrorHandlers {

    private static final Logger LOG = Logger.getLogger(StreamsErrorHandlers.class);

    private StreamsErrorHandlers() {}

    /** Skips records that cannot be deserialized. */
    public static final class Deserialization implements DeserializationExceptionHandler {
        @Override
        public DeserializationHandlerResponse handle(
                ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
            LOG.errorf(
                    "Skipping unreadable record at %s-%s@%s (node %s): %s",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    context.processorNodeId(),
                    exception.getMessage());
            return DeserializationHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {}
    }

    /** Skips a record whose processing threw. */
    public static final class Processing implements ProcessingExceptionHandler {
        @Override
        public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            LOG.errorf(
                    exception,
                    "Processing failed at %s-%s@%s in node %s; record skipped",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.processorNodeId());
            return ProcessingHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {}
    }

    /**
     * A dead stream thread is replaced (it resumes from the last commit, exactly-once), at most {@code max} times within
     * {@code window}: a failure that comes back every time is not retried forever, the client shuts down instead and
     * the Kafka Streams liveness check fails (the pod restarts). A fatal failure (fenced by another instance with the
     * same group instance or transactional id, refused by the cluster) shuts the client down at once: a replacement
     * thread would join as a new member and share the dataset's partitions with the other instance.
     */
    public static final class Uncaught implements StreamsUncaughtExceptionHandler {
        private final int max;
        private final Duration window;
        private final Clock clock;
        private final Deque<Instant> replacements = new ArrayDeque<>();

        public Uncaught(int max, Duration window, Clock clock) {
            this.max = max;
            this.window = window;
            this.clock = clock;
        }

        /**
         * A thread that dies of {@link FencedInstanceIdException} was fenced as a consumer (for a producer it only
         * aborts a transaction, and Kafka Streams handles that itself): another member has its group instance id.
         */
        private static boolean fencedMember(Throwable exception) {
            for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof FencedInstanceIdException) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
            if (ProducerFailure.of(exception) == ProducerFailure.FATAL || fencedMember(exception)) {
                LOG.errorf(
                        exception,
                        "Kafka Streams cannot go on: %s. If it was fenced, another trainer runs with the same"
                                + " streamtune.trainer.instance (one trainer per model, each with its own instance"
                                + " name); shutting Kafka Streams down",
                        exception.toString());
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            Instant now = clock.instant();
            while (!replacements.isEmpty() && replacements.peekFirst().isBefore(now.minus(window))) {
                replacements.removeFirst();
            }
            if (replacements.size() >= max) {
                LOG.errorf(
                        exception,
                        "Kafka Streams thread died again (%s replacements within %s); shutting Kafka Streams down",
                        replacements.size(),
                        window);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            replacements.addLast(now);
            LOG.error("Kafka Streams thread died; replacing it", exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
    }

    /** Skips records the broker will never take; fails on everything else. */
    public static final class Production implements ProductionExceptionHandler {
        @Override
        public ProductionExceptionHandlerResponse handle(
                ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
            if (exception instanceof RecordTooLargeException) {
                LOG.errorf(
                        "Dropping a record for %s that is too large for the broker (from %s-%s@%s): %s",
                        record.topic(), context.topic(), context.partition(), context.offset(), exception.getMessage());
                return ProductionExceptionHandlerResponse.CONTINUE;
            }
            LOG.errorf(
                    "Cannot write to %s (from %s-%s@%s): %s",
                    record.topic(), context.topic(), context.partition(), context.offset(), exception.toString());
            return ProductionExceptionHandlerResponse.FAIL;
        }

        @Override
        public void configure(Map<String, ?> configs) {}
    }
}
