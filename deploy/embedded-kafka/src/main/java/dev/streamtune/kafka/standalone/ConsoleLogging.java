package dev.streamtune.kafka.standalone;

import java.util.logging.Handler;
import java.util.logging.Level;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

/** Console logging of the standalone broker through JBoss LogManager, the project's one logging backend. */
final class ConsoleLogging {

    private static final String[] KAFKA_LOGGERS = {"kafka", "state.change.logger", "org.apache.kafka"};

    private ConsoleLogging() {}

    /** Streamtune at INFO, Kafka (broker and the embedded admin client) at {@code kafkaLevel}. */
    static void configure(Level kafkaLevel) {
        LogContext context = LogContext.getLogContext();
        var handler = new ConsoleHandler(
                ConsoleHandler.Target.SYSTEM_OUT, new PatternFormatter("%d{HH:mm:ss,SSS} %-5p [%c{1.}] %s%e%n"));
        handler.setAutoFlush(true);
        var root = context.getLogger("");
        root.setHandlers(new Handler[] {handler});
        root.setLevel(Level.INFO);
        for (String name : KAFKA_LOGGERS) {
            context.getLogger(name).setLevel(kafkaLevel);
        }
        if (kafkaLevel.intValue() >= Level.WARNING.intValue()) {
            // the broker's own controller channel warns about a double close on every clean shutdown
            context.getLogger("org.apache.kafka.clients.NetworkClient").setLevel(Level.SEVERE);
        }
    }
}
