package dev.streamtune.trainer;

import dev.streamtune.common.event.TrainingProgressEvent;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.trainer.app.TrainerLifecycle;
import dev.streamtune.trainer.audit.AuditTrail;
import dev.streamtune.trainer.config.TrainerConfig;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.DatasetStats;
import dev.streamtune.trainer.kafka.StreamsDatasetAccess;
import dev.streamtune.trainer.publish.RegistryWriteException;
import dev.streamtune.trainer.publish.StoreRegistryView;
import dev.streamtune.trainer.training.ProgressReporter;
import dev.streamtune.trainer.trigger.TrainerState;
import dev.streamtune.trainer.trigger.TrainingScheduler;
import dev.streamtune.trainer.trigger.TriggerPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What the REST API, the health checks and the metrics ask of the trainer: its readiness, dataset, versions and
 * progress, and the operator's requests (training, promotion, rollback), each audited. {@link TrainerLifecycle} starts
 * and stops the parts behind it.
 */
@ApplicationScoped
public class TrainerService {

    @Inject
    TrainerConfig config;

    @Inject
    TrainerLifecycle lifecycle;

    @Inject
    StreamsDatasetAccess dataset;

    @Inject
    StoreRegistryView registry;

    @Inject
    AuditTrail audit;

    @Inject
    ProgressReporter progress;

    @Inject
    Clock clock;

    public boolean ready() {
        return notReadyReason().isEmpty();
    }

    /** Why runs cannot start now (dataset incomplete, or this trainer can publish no more); empty when they can. */
    public Optional<String> notReadyReason() {
        return lifecycle.notReadyReason();
    }

    /** Why this trainer cannot go on and must be restarted (another instance took over its model); empty normally. */
    public Optional<String> fatalFailure() {
        return lifecycle.fatalFailure();
    }

    /** A snapshot of the dataset as the next run would see it. */
    public DatasetSnapshot snapshot() {
        return dataset.snapshot();
    }

    public DatasetStats datasetStats() {
        return dataset.stats();
    }

    public TrainingScheduler scheduler() {
        return lifecycle.scheduler();
    }

    public Optional<ModelRegistryEvent> champion() {
        return registry.live(config.model());
    }

    public List<ModelRegistryEvent> versions() {
        return registry.versions(config.model());
    }

    public Optional<TrainingProgressEvent> progress() {
        return Optional.ofNullable(progress.latest());
    }

    /** Asks for a training run on behalf of {@code actor} (audited). */
    public TrainerState.Trigger requestTraining(String reason, String actor) {
        TrainingScheduler scheduler = scheduler();
        if (scheduler == null) {
            // the state a request is remembered in is not read yet (the broker is out of reach at start-up)
            String why = notReadyReason().orElse("starting");
            // no live version: the registry is read through Kafka Streams, which may not be running either
            audit.refused(actor, AuditTrail.TRAIN, null, null, reason, "trainer not started: " + why);
            throw new NotStartedException("the trainer has not started yet: " + why);
        }
        TrainerState.Trigger pending =
                scheduler.request(new TrainerState.Trigger(TriggerPolicy.MANUAL, reason, actor, clock.instant()));
        audit.accepted(
                actor,
                AuditTrail.TRAIN,
                null,
                liveVersion(),
                reason,
                "training requested; pending: " + pending.reason() + " by " + pending.requestedBy());
        return pending;
    }

    /** Makes {@code version} live on behalf of {@code actor}; the attempt is audited, refused or not. */
    public ModelRegistryEvent promote(long version, String actor, String reason) throws IOException {
        Long before = liveVersion();
        try {
            ModelRegistryEvent live = lifecycle.promotions().promote(config.model(), version, actor, reason);
            audit.accepted(actor, AuditTrail.PROMOTE, version, before, reason, "v" + version + " is live");
            return live;
        } catch (RuntimeException | IOException e) {
            audited(actor, AuditTrail.PROMOTE, version, before, reason, e);
            throw e;
        }
    }

    /** Rolls back on behalf of {@code actor}; the attempt is audited, refused or not. */
    public ModelRegistryEvent rollback(String actor, String reason) throws IOException {
        Long before = liveVersion();
        try {
            ModelRegistryEvent live = lifecycle.promotions().rollback(config.model(), actor, reason);
            audit.accepted(
                    actor, AuditTrail.ROLLBACK, live.version(), before, reason, "v" + live.version() + " is live");
            return live;
        } catch (RuntimeException | IOException e) {
            audited(actor, AuditTrail.ROLLBACK, null, before, reason, e);
            throw e;
        }
    }

    /** A failed promotion or rollback: refused, or unconfirmed when its registry write's outcome is unknown. */
    private void audited(String actor, String action, Long version, Long before, String reason, Exception e) {
        if (e instanceof RegistryWriteException w && w.outcome() == RegistryWriteException.Outcome.UNKNOWN) {
            audit.unconfirmed(actor, action, version, before, reason, e.getMessage());
        } else {
            audit.refused(actor, action, version, before, reason, e.getMessage());
        }
    }

    private Long liveVersion() {
        return registry.live(config.model()).map(ModelRegistryEvent::version).orElse(null);
    }

    public String model() {
        return config.model();
    }

    /** Under the application id, so one prefix ACL covers the trainer's groups, transactional ids and topics. */
    public static String registryTransactionalId(String applicationId) {
        return applicationId + "-registry";
    }

    /** A request that needs the scheduler, made before it started (HTTP 503: ask again later). */
    public static final class NotStartedException extends RuntimeException {
        public NotStartedException(String message) {
            super(message);
        }
    }
}
