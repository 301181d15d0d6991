package dev.streamtune.inference.model;

import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.common.tokenizer.Truncation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A model ready to serve: its manifest, tokenizer and ONNX Runtime session, reference-counted so that a swapped-out
 * model closes only when the last batch using it has finished. The holder owns one reference from construction.
 */
public final class LoadedModel {

    private static final Logger LOG = Logger.getLogger(LoadedModel.class);
    private static final Executor CLOSER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "streamtune-model-closer");
        t.setDaemon(true);
        return t;
    });

    private final ModelManifest manifest;
    private final TextTokenizer tokenizer;
    private final OnnxRunner runner;
    private final Path ownedDir;
    private final String manifestSha256;
    private final String graph;
    private final AtomicInteger references = new AtomicInteger(1);

    /**
     * @param ownedDir a fetched artifact copy to delete on close; null for a directory the service does not own
     * @param manifestSha256 SHA-256 (hex) of the artifact's manifest.json: with the version, which artifact this is
     */
    public LoadedModel(
            ModelManifest manifest, TextTokenizer tokenizer, OnnxRunner runner, Path ownedDir, String manifestSha256) {
        this(manifest, tokenizer, runner, ownedDir, manifestSha256, ModelVariant.FP32);
    }

    /** @param graph which of the artifact's graphs {@code runner} runs: {@code fp32} or {@code int8} */
    public LoadedModel(
            ModelManifest manifest,
            TextTokenizer tokenizer,
            OnnxRunner runner,
            Path ownedDir,
            String manifestSha256,
            String graph) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.runner = runner;
        this.ownedDir = ownedDir;
        this.manifestSha256 = manifestSha256;
        this.graph = graph;
    }

    /** The graph in service: {@code fp32} ({@code model.onnx}) or {@code int8} (its dynamically quantized form). */
    public String graph() {
        return graph;
    }

    /** SHA-256 (hex) of the manifest.json this model was loaded from. */
    public String manifestSha256() {
        return manifestSha256;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public String name() {
        return manifest.name();
    }

    public long version() {
        return manifest.version();
    }

    public List<String> labels() {
        return manifest.labels();
    }

    public int maxLength() {
        return manifest.maxLength();
    }

    /** Which tokens of a longer text to keep: the ones the model was trained on (from the manifest). */
    public Truncation truncation() {
        return manifest.truncation();
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public OnnxRunner runner() {
        return runner;
    }

    /** Takes a reference unless the model is already closed (then the caller reads the holder again). */
    boolean tryAcquire() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * Gives a reference back; the last one closes the session, the tokenizer and the fetched files, on a background
     * thread so that the batch that let go of a swapped-out model is not held up by freeing it.
     */
    public void release() {
        int left = references.decrementAndGet();
        if (left == 0) {
            CLOSER.execute(this::closeResources);
        } else if (left < 0) {
            throw new IllegalStateException("model " + this + " released more often than acquired");
        }
    }

    public boolean isClosed() {
        return references.get() == 0;
    }

    private void closeResources() {
        LOG.infof("closing model %s v%d", name(), version());
        runner.close();
        tokenizer.close();
        deleteQuietly(ownedDir);
    }

    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", dir, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return name() + " v" + version();
    }
}
