package dev.streamtune.inference.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Writes a sealed tiny model and points {@code streamtune.model.dir} at it: the app serves it at start-up. */
public class TinyModelTestResource implements QuarkusTestResourceLifecycleManager {

    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("streamtune-tiny-model");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestModels.write(dir, TestModels.Spec.valid(ServiceHarness.MODEL, 1));
        return Map.of("streamtune.model.dir", dir.toString(), "streamtune.model.name", ServiceHarness.MODEL);
    }

    @Override
    public void stop() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
