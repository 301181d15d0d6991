package dev.streamtune.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every installation the repository defines: each directory under {@code deploy/kubernetes/overlays} and
 * {@code deploy/kubernetes/examples} with a kustomization, rendered once per JVM.
 */
public final class Installations {

    private static Map<String, List<ObjectNode>> rendered;

    private Installations() {}

    /** The repository's root, found upwards from the working directory (a module's directory in Maven). */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/kubernetes/base"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no deploy/kubernetes/base above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    public static Path kubernetesDir() {
        return repositoryRoot().resolve("deploy/kubernetes");
    }

    /** Installation name ({@code overlays/dev}, {@code examples/second-model}, ...) to its rendered objects. */
    public static synchronized Map<String, List<ObjectNode>> rendered() {
        if (rendered == null) {
            Kustomize.requireKubectl();
            var all = new LinkedHashMap<String, List<ObjectNode>>();
            for (Path dir : directories()) {
                all.put(kubernetesDir().relativize(dir).toString(), Kustomize.render(dir));
            }
            rendered = Map.copyOf(all);
        }
        return rendered;
    }

    private static List<Path> directories() {
        return Stream.of("overlays", "examples")
                .map(kubernetesDir()::resolve)
                .flatMap(Installations::children)
                .filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                .sorted()
                .toList();
    }

    private static Stream<Path> children(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isDirectory).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
