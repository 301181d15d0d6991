package dev.streamtune.kafka;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;

/** Formats the KRaft log directories the first time, as {@code kafka-storage.sh format} does. */
final class KraftStorage {

    private static final String META_PROPERTIES = "meta.properties";

    private KraftStorage() {}

    /**
     * Formats unformatted directories with {@code clusterId} (a new random one when empty); formatted ones are kept as
     * they are.
     */
    static void formatIfNeeded(KafkaConfig config, Optional<String> clusterId) {
        var directories = config.logDirs();
        boolean formatted =
                directories.stream().allMatch(dir -> Files.exists(Path.of(dir).resolve(META_PROPERTIES)));
        if (formatted) {
            return;
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8))
                    .setNodeId(config.nodeId())
                    .setClusterId(clusterId.orElseGet(() -> Uuid.randomUuid().toString()))
                    .setDirectories(directories)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new EmbeddedKafkaException("cannot format the KRaft storage in " + directories, e);
        }
    }
}
