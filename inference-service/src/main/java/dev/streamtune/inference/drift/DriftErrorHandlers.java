package dev.streamtune.inference.drift;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

/**
 * Every failure path of the drift monitor, declared. Drift is observability: a record it cannot read or evaluate is
 * logged with its topic, partition and offset and skipped, so one bad record never stops monitoring (the predictions
 * themselves are unaffected). A dying stream thread is replaced.
 */
public final class DriftErrorHandlers {

    private static final Logger LOG = Logger.getLogger(DriftErrorHandlers.class);

    private DriftErrorHandlers() {}

    /** Streams configuration naming the handlers below. */
    public static Map<String, String> streamsConfig() {
        return Map.of(
                "deserialization.exception.handler", Deserialization.class.getName(),
                "processing.exception.handler", Processing.class.getName(),
                "production.exception.handler", Production.class.getName());
    }

    public static final class Deserialization implements DeserializationExceptionHandler {
        @Override
        public DeserializationHandlerResponse handle(
                ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
            LOG.errorf(
                    "drift monitor skips an unreadable record at %s-%d@%d (task %s): %s",
                    record.topic(), record.partition(), record.offset(), context.taskId(), exception.getMessage());
            return DeserializationHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {
            // nothing to configure
        }
    }

    public static final class Processing implements ProcessingExceptionHandler {
        @Override
        public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            LOG.errorf(
                    exception,
                    "drift monitor skips a record it cannot process at %s-%d@%d (node %s)",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.processorNodeId());
            return ProcessingHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {
            // nothing to configure
        }
    }

    public static final class Production implements ProductionExceptionHandler {
        @Override
        public ProductionExceptionHandlerResponse handle(
                ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
            LOG.errorf(
                    exception,
                    "drift monitor cannot write to %s (input %s-%d@%d); the record is skipped",
                    record.topic(),
                    context.topic(),
                    context.partition(),
                    context.offset());
            return ProductionExceptionHandlerResponse.CONTINUE;
        }

        @Override
        public ProductionExceptionHandlerResponse handleSerializationException(
                ErrorHandlerContext context,
                ProducerRecord record,
                Exception exception,
                SerializationExceptionOrigin origin) {
            LOG.errorf(
                    exception,
                    "drift monitor cannot serialize the %s of a record for %s (input %s-%d@%d); skipped",
                    origin,
                    record.topic(),
                    context.topic(),
                    context.partition(),
                    context.offset());
            return ProductionExceptionHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {
            // nothing to configure
        }
    }

    /** Replaces a dead stream thread: monitoring keeps running, the failure is logged. */
    public static final class Uncaught implements StreamsUncaughtExceptionHandler {
        @Override
        public StreamThreadExceptionResponse handle(Throwable exception) {
            LOG.error("drift monitor stream thread died; replacing it", exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
    }
}
