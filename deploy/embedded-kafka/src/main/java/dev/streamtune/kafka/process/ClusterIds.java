package dev.streamtune.kafka.process;

import dev.streamtune.kafka.EmbeddedKafkaException;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/** The cluster id every node of a cluster must be formatted with: the one already on disk, or a new one. */
final class ClusterIds {

    // where the standalone broker keeps its log dir inside its data dir, and what formatting writes there
    private static final String META_PROPERTIES = "kafka-logs/meta.properties";

    private ClusterIds() {}

    /**
     * The cluster id of the node directories that are already formatted, or a new random id when none is.
     *
     * @throws EmbeddedKafkaException if formatted directories disagree
     */
    static String readOrCreate(Collection<Path> nodeDirs) {
        var found = new TreeSet<String>();
        for (Path dir : nodeDirs) {
            Path meta = dir.resolve(META_PROPERTIES);
            if (Files.exists(meta)) {
                found.add(read(meta));
            }
        }
        if (found.size() > 1) {
            throw new EmbeddedKafkaException(
                    "node directories belong to different clusters " + found + ": " + nodeDirs);
        }
        return found.isEmpty() ? Uuid.randomUuid().toString() : found.first();
    }

    private static String read(Path meta) {
        var props = new Properties();
        try (Reader in = Files.newBufferedReader(meta)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + meta, e);
        }
        String id = props.getProperty("cluster.id");
        if (id == null || id.isBlank()) {
            throw new EmbeddedKafkaException("no cluster.id in " + meta);
        }
        return id;
    }
}
