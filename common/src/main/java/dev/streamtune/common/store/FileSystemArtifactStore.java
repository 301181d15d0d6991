package dev.streamtune.common.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Artifacts as directories under a root ({@code <root>/<model>/v<version>}), e.g. a PersistentVolume in Kubernetes.
 * Files are first copied into a hidden staging directory next to the target and the directory is then renamed into
 * place atomically, so a crash leaves at most an ignored {@code .staging-*} directory.
 *
 * <p>A URI read from the registry topic is not trusted: {@link #fetch} and {@link #exists} only follow {@code file:}
 * URIs to directories inside the root (no {@code ..} or {@code .} segment, no symbolic link leading out of it), and an
 * artifact holding anything but plain files (a symbolic link, a directory) is refused.
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
        Path source = confined(uri);
        if (!Files.isDirectory(source)) {
            throw new IOException("no artifact at " + uri);
        }
        copyFlat(source, target);
    }

    @Override
    public boolean exists(URI uri) {
        try {
            return Files.isDirectory(confined(uri));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The directory {@code uri} names, if it lies inside the root.
     *
     * @throws IOException naming the reason when the URI is not a plain {@code file:} path inside the root
     */
    public Path confined(URI uri) throws IOException {
        if (!"file".equals(uri.getScheme())
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || (uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty())
                || uri.getPath() == null) {
            throw new ArtifactRefusedException("refusing artifact URI " + uri + ": not a plain file: path");
        }
        for (String segment : uri.getPath().split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                throw new ArtifactRefusedException(
                        "refusing artifact URI " + uri + ": '" + segment + "' segments are not allowed");
            }
        }
        Path path = Path.of(uri).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new ArtifactRefusedException(
                    "refusing artifact URI " + uri + ": outside the artifact store root " + root.toUri());
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            Path real = path.toRealPath();
            Path realRoot = root.toRealPath();
            if (!real.startsWith(realRoot) || real.equals(realRoot)) {
                throw new ArtifactRefusedException("refusing artifact URI " + uri + ": it resolves to " + real
                        + " (a symbolic link) outside the artifact store root " + realRoot);
            }
        }
        return path;
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

    /** Copies the plain files of {@code from}; a symbolic link or a directory in it is refused, never followed. */
    private static void copyFlat(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isSymbolicLink(file)) {
                    throw new ArtifactRefusedException("refusing artifact " + from + ": " + file.getFileName()
                            + " is a symbolic link (an artifact holds only plain files)");
                }
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("an artifact directory holds only files; found " + file);
                }
                // NOFOLLOW_LINKS on open: a file swapped for a link after the check above is not followed either
                try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(in, to.resolve(file.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
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
