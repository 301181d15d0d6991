package dev.streamtune.common.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Artifacts as directories under a root ({@code <root>/<model>/v<version>}), e.g. a PersistentVolume in Kubernetes.
 * Files are first copied into a hidden staging directory next to the target and the directory is then renamed into
 * place atomically, so a crash leaves at most an ignored {@code .staging-*} directory.
 */
public final class FileSystemArtifactStore implements ArtifactStore {

    private static final String STAGING_PREFIX = ".staging-";

    private final Path root;

    public FileSystemArtifactStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public URI publish(Path sealedDir, String model, long version) throws IOException {
        Path target = directoryOf(model, version);
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "model version already published");
        }
        Files.createDirectories(target.getParent());
        Path staging = target.resolveSibling(STAGING_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
        try {
            copyFlat(sealedDir, staging);
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the artifact store at " + root + " needs a file system with atomic rename", e);
            }
        } finally {
            deleteRecursively(staging);
        }
        return target.toUri();
    }

    @Override
    public void fetch(URI uri, Path target) throws IOException {
        Path source = Path.of(uri);
        if (!Files.isDirectory(source)) {
            throw new IOException("no artifact at " + uri);
        }
        copyFlat(source, target);
    }

    @Override
    public boolean exists(URI uri) {
        return "file".equals(uri.getScheme()) && Files.isDirectory(Path.of(uri));
    }

    @Override
    public URI uriOf(String model, long version) {
        return directoryOf(model, version).toUri();
    }

    private Path directoryOf(String model, long version) {
        if (model.isBlank() || model.contains("/") || model.contains("\\") || model.startsWith(".")) {
            throw new IllegalArgumentException("invalid model name for a directory: '" + model + "'");
        }
        return root.resolve(model).resolve("v" + version);
    }

    private static void copyFlat(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!Files.isRegularFile(file)) {
                    throw new IOException("an artifact directory holds only files; found " + file);
                }
                Files.copy(file, to.resolve(file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
