package dev.streamtune.trainer.publish;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.store.ArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Makes a published version live again (rollback, or promoting a version that was published but not made live): its
 * PUBLISHED record is republished under the model-name key as LIVE, flagged {@code rollback} when it is older than
 * the version it replaces. Only versions whose artifact is complete in the store qualify; rejected ones never do, nor
 * do versions the {@link PromotionRules} exclude (revoked, or below the floor).
 */
public final class PromotionService {

    private static final Logger LOG = Logger.getLogger(PromotionService.class);

    private final RegistryView registry;
    private final RegistryWriter writer;
    private final ArtifactStore store;
    private final Clock clock;
    private final PromotionRules rules;

    public PromotionService(
            RegistryView registry, RegistryWriter writer, ArtifactStore store, Clock clock, PromotionRules rules) {
        this.registry = registry;
        this.writer = writer;
        this.store = store;
        this.clock = clock;
        this.rules = rules;
    }

    /** A version the rules keep from going live. */
    public static final class RefusedException extends IllegalStateException {
        RefusedException(String message) {
            super(message);
        }
    }

    /**
     * @throws NoSuchElementException when the registry has no such version
     * @throws RefusedException when the rules exclude it (revoked, below the floor)
     * @throws IllegalStateException when it was rejected or its artifact is gone
     */
    public ModelRegistryEvent promote(String model, long version, String requestedBy, String reason)
            throws IOException {
        return exclusively(() -> promoteChecked(model, version, requestedBy, reason));
    }

    /**
     * Promotes the newest published version older than the live one that the rules allow, chosen and written on the
     * writer's exclusive path.
     */
    public ModelRegistryEvent rollback(String model, String requestedBy, String reason) throws IOException {
        return exclusively(() -> rollbackChecked(model, requestedBy, reason));
    }

    private ModelRegistryEvent rollbackChecked(String model, String requestedBy, String reason) throws IOException {
        long liveVersion = registry.live(model)
                .map(ModelRegistryEvent::version)
                .orElseThrow(() -> new NoSuchElementException(model + " has no live version to roll back from"));
        List<ModelRegistryEvent> older = registry.versions(model).stream()
                .filter(v -> v.status() == RegistryStatus.PUBLISHED && v.version() < liveVersion)
                .toList();
        if (older.isEmpty()) {
            throw new NoSuchElementException(model + " has no published version older than v" + liveVersion);
        }
        List<String> refusals = new java.util.ArrayList<>();
        for (int i = older.size() - 1; i >= 0; i--) {
            Optional<String> refusal = rules.refusal(model, older.get(i).version());
            if (refusal.isEmpty()) {
                return promoteChecked(model, older.get(i).version(), requestedBy, reason);
            }
            refusals.add(refusal.get());
        }
        throw new RefusedException(
                "no published version older than v" + liveVersion + " may go live: " + String.join("; ", refusals));
    }

    /** The check-then-write of a promotion; runs on the writer's exclusive path. */
    private ModelRegistryEvent promoteChecked(String model, long version, String requestedBy, String reason)
            throws IOException {
        Optional<String> refusal = rules.refusal(model, version);
        if (refusal.isPresent()) {
            throw new RefusedException(refusal.get() + ": it may not go live");
        }
        ModelRegistryEvent record = registry.version(model, version)
                .orElseThrow(() -> new NoSuchElementException(model + " has no version " + version));
        if (record.status() != RegistryStatus.PUBLISHED) {
            throw new IllegalStateException(
                    model + " v" + version + " is " + record.status() + ", only published versions can go live");
        }
        if (record.uri() == null || !store.exists(URI.create(record.uri()))) {
            throw new IllegalStateException(model + " v" + version + " has no complete artifact at " + record.uri());
        }
        Optional<ModelRegistryEvent> live = registry.live(model);
        if (live.isPresent() && live.get().version() == version) {
            return live.get();
        }
        boolean rollback = live.isPresent() && version < live.get().version();
        ModelRegistryEvent promoted = new ModelRegistryEvent(
                SchemaVersions.CURRENT,
                model,
                version,
                RegistryStatus.LIVE,
                record.uri(),
                record.manifestSha256(),
                record.signature(),
                record.manifest(),
                rollback,
                List.of((rollback ? "rollback" : "promotion") + " by " + requestedBy
                        + (reason == null ? "" : ": " + reason)),
                clock.instant());
        writer.write(List.of(promoted));
        LOG.infof(
                "%s v%s is live again (%s by %s, was v%s)",
                model,
                version,
                rollback ? "rollback" : "promotion",
                requestedBy,
                live.map(ModelRegistryEvent::version).orElse(null));
        return promoted;
    }

    /** A check-then-write that reads the store. */
    private interface CheckThenWrite {
        ModelRegistryEvent run() throws IOException;
    }

    /**
     * Runs on the writer's exclusive path, the one a training run's publication takes too: a promotion or rollback and
     * a run going live never interleave their check and their write.
     */
    private ModelRegistryEvent exclusively(CheckThenWrite action) throws IOException {
        try {
            return writer.exclusively(() -> {
                try {
                    return action.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
