package dev.streamtune.trainer.kafka;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer topology's failure handlers, each naming the record's topic, partition and offset. Examples, commands and
 * alerts are read as bytes and refused to the DLQ by the processors themselves, so these see what is left: a
 * malformed registry record (skipped: the registry is written by trainers only), a processor bug (skipped, logged at
 * error), a dead letter too large to write (skipped), any other production failure (fatal: retried from the last
 * commit after the thread is replaced).
 */
public final class StreamsErrorHandlers {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsErrorHandlers.class);

    private StreamsErrorHandlers() {}

    /** Skips records that cannot be deserialized. */
    public static final class Deserialization implements DeserializationExceptionHandler {
        @Override
        public DeserializationHandlerResponse handle(
                ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
            LOG.error(
                    "Skipping unreadable record at {}-{}@{} (node {}): {}",
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
            LOG.error(
                    "Processing failed at {}-{}@{} in node {}; record skipped",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.processorNodeId(),
                    exception);
            return ProcessingHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {}
    }

    /** Skips records the broker will never take; fails on everything else. */
    public static final class Production implements ProductionExceptionHandler {
        @Override
        public ProductionExceptionHandlerResponse handle(
                ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
            if (exception instanceof RecordTooLargeException) {
                LOG.error(
                        "Dropping a record for {} that is too large for the broker (from {}-{}@{}): {}",
                        record.topic(),
                        context.topic(),
                        context.partition(),
                        context.offset(),
                        exception.getMessage());
                return ProductionExceptionHandlerResponse.CONTINUE;
            }
            LOG.error(
                    "Cannot write to {} (from {}-{}@{}): {}",
                    record.topic(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception.toString());
            return ProductionExceptionHandlerResponse.FAIL;
        }

        @Override
        public void configure(Map<String, ?> configs) {}
    }
}
