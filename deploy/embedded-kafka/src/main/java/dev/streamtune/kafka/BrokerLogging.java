package dev.streamtune.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns the broker's own loggers down to WARN through java.util.logging, which is where slf4j-jboss-logmanager (and
 * Quarkus) route them. Client loggers stay as configured; loggers that already have a level are left alone.
 */
final class BrokerLogging {

    private static final List<String> BROKER_LOGGERS = List.of(
            "kafka",
            // the broker dumps its KafkaConfig here on every dynamic reconfiguration; clients log under their own names
            "org.apache.kafka.common.config.AbstractConfig",
            "state.change.logger",
            "org.apache.kafka.controller",
            "org.apache.kafka.coordinator",
            "org.apache.kafka.image",
            "org.apache.kafka.metadata",
            "org.apache.kafka.network",
            "org.apache.kafka.queue",
            "org.apache.kafka.raft",
            "org.apache.kafka.security",
            "org.apache.kafka.server",
            "org.apache.kafka.snapshot",
            "org.apache.kafka.storage");

    // java.util.logging keeps loggers weakly: hold them so the levels stick
    private static final List<Logger> QUIETED = new ArrayList<>();

    private BrokerLogging() {}

    static synchronized void quiet() {
        if (!QUIETED.isEmpty()) {
            return;
        }
        for (String name : BROKER_LOGGERS) {
            Logger logger = Logger.getLogger(name);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
            }
            QUIETED.add(logger);
        }
    }
}
