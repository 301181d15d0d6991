package dev.streamtune.trainer.training;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.MetricsCalculator;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.OffsetRange;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.model.TrainingLineage;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.trainer.bert.features.FeatureCache;
import dev.streamtune.trainer.dataset.DatasetEntry;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.Split;
import dev.streamtune.trainer.gate.GateDecision;
import dev.streamtune.trainer.gate.ValidationGate;
import dev.streamtune.trainer.publish.ChampionLoader;
import dev.streamtune.trainer.publish.RegistryView;
import dev.streamtune.trainer.publish.RegistryWriteException;
import dev.streamtune.trainer.publish.RegistryWriter;
import dev.streamtune.trainer.publish.VersionAllocator;
import dev.streamtune.trainer.store.Directories;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * One training run, start to finish: prepare (snapshot, champion, labels) → train → evaluate the candidate and the
 * champion on the same validation and test examples → gate on the test split → publish through the
 * {@link CandidatePublisher}. Nothing reaches the models topic before the artifact is complete in the store, so a run
 * that dies at any point announces nothing; a champion that cannot be evaluated postpones the decision.
 */
public final class TrainingRun {

    private static final Logger LOG = Logger.getLogger(TrainingRun.class);

    /** Run-independent settings. */
    public record Settings(
            String model,
            String instance,
            Path workDir,
            TrainingSettings training,
            boolean warmStart,
            int minExamplesPerLabel,
            int selfChecks,
            double exportTolerance,
            ValidationGate.Rules gate,
            long featureCacheMaxBytes) {

        /** Default bound of the encoder-feature cache under {@code workDir/feature-cache}. */
        public static final long DEFAULT_FEATURE_CACHE_BYTES = 256L << 20;

        public Settings(
                String model,
                String instance,
                Path workDir,
                TrainingSettings training,
                boolean warmStart,
                int minExamplesPerLabel,
                int selfChecks,
                double exportTolerance,
                ValidationGate.Rules gate) {
            this(
                    model,
                    instance,
                    workDir,
                    training,
                    warmStart,
                    minExamplesPerLabel,
                    selfChecks,
                    exportTolerance,
                    gate,
                    DEFAULT_FEATURE_CACHE_BYTES);
        }
    }

    /** The collaborators a run uses. */
    public record Services(
            DatasetAccess dataset,
            RegistryView registry,
            RegistryWriter registryWriter,
            VersionAllocator versions,
            ArtifactStore store,
            ManifestSigner signer,
            ChampionLoader champions,
            ModelTrainer trainer,
            MonitoringSink monitoring,
            Clock clock) {}

    private final Settings settings;
    private final Services services;
    private final ProgressReporter progress;
    private final FeatureCache features;

    public TrainingRun(Settings settings, Services services, ProgressReporter progress) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.services = Objects.requireNonNull(services, "services");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.features = new FeatureCache(settings.workDir().resolve("feature-cache"), settings.featureCacheMaxBytes());
    }

    public RunOutcome run(String runId, String trigger, RunCancellation cancellation) {
        Path staging = settings.workDir().resolve("staging").resolve(runId);
        RunState state = new RunState(runId, trigger, services.clock().instant(), null, null, null, null, null);
        try {
            Lane requested = Lane.of(trigger);
            progress.phase(runId, "started", "trigger: " + trigger + " (" + requested.id() + " lane)");
            Prepared prepared = prepare(runId, trigger, requested);
            state = state.prepared(prepared.snapshot().changeCount(), prepared.lineage());
            if (prepared.insufficient() != null) {
                progress.phase(runId, "skipped", prepared.insufficient());
                return end(state, RunOutcome.Status.SKIPPED, false, List.of(prepared.insufficient()));
            }
            if (prepared.championUnavailable() != null) {
                return postpone(state, prepared.liveAtStart(), prepared.championUnavailable());
            }
            cancellation.check();
            try (CandidateModel candidate = train(prepared, cancellation)) {
                cancellation.check();
                Scores scores = evaluate(runId, prepared, candidate);
                state = state.scored(scores.candidateValidation(), scores.candidateTest());
                if (scores.championUnavailable() != null) {
                    return postpone(state, prepared.liveAtStart(), scores.championUnavailable());
                }
                GateDecision decision = gate(scores);
                state = state.versioned(services.versions().next(settings.model()));
                ManifestBuilder manifest = new ManifestBuilder(
                        settings.model(),
                        state.version(),
                        candidate,
                        prepared.labels(),
                        scores.candidateValidation(),
                        scores.candidateTest(),
                        prepared.lineage(),
                        state.startedAt());
                logDecision(runId, state.version(), scores, decision);
                if (!decision.accepted()) {
                    return reject(state, manifest, scores, decision);
                }
                cancellation.check();
                CandidatePublisher.Publication publication = new CandidatePublisher(settings, services, progress)
                        .publish(
                                runId,
                                candidate,
                                manifest,
                                prepared.snapshot(),
                                scores.candidatePredictions(),
                                prepared.liveAtStart().map(ModelRegistryEvent::version),
                                cancellation,
                                staging);
                if (publication.live() && prepared.lane() == Lane.FULL) {
                    warmFastLane(runId, state.version(), prepared.snapshot(), candidate);
                }
                return published(state, scores, decision, publication);
            }
        } catch (RunCancellation.RunCancelledException e) {
            progress.phase(runId, "cancelled", e.getMessage());
            return end(state, RunOutcome.Status.CANCELLED, false, List.of(e.getMessage()));
        } catch (RegistryWriteException e) {
            if (e.outcome() == RegistryWriteException.Outcome.UNKNOWN) {
                // neither FAILED nor PUBLISHED: the models topic has the answer once the broker is back
                LOG.errorf(e, "Training run %s: the outcome of announcing v%s is unknown", runId, state.version());
                progress.phase(runId, "unconfirmed", e.getMessage());
                emitError(state.version(), "registry", "run " + runId + ": " + e.getMessage());
                return end(state, RunOutcome.Status.UNCONFIRMED, false, List.of(e.getMessage()));
            }
            return failed(state, e);
        } catch (Exception | LinkageError e) {
            return failed(state, e);
        } finally {
            try {
                Directories.deleteRecursively(staging);
            } catch (IOException e) {
                LOG.warnf("Could not remove staging directory %s: %s", staging, e.getMessage());
            }
        }
    }

    /** The snapshot and everything decided from it before training. */
    private record Prepared(
            DatasetSnapshot snapshot,
            String insufficient,
            Optional<ModelRegistryEvent> liveAtStart,
            ChampionLoader.LocalArtifact champion,
            String championUnavailable,
            List<String> labels,
            Optional<Path> warmStart,
            Lane lane,
            TrainingLineage lineage) {}

    /** Both models on the validation and test splits; the champion's are null for the first model. */
    /**
     * @param candidatePredictions the candidate's probabilities on the validation and test splits: the drift
     *     baselines and the reference the exported graphs are checked against
     */
    private record Scores(
            Long championVersion,
            CandidatePublisher.ScoredSplits candidatePredictions,
            ClassificationMetrics candidateValidation,
            ClassificationMetrics candidateTest,
            ClassificationMetrics championValidation,
            ClassificationMetrics championTest,
            String championUnavailable) {}

    private Prepared prepare(String runId, String trigger, Lane requested) {
        DatasetSnapshot snapshot = services.dataset().snapshot();
        LOG.infof(
                "Run %s (%s): snapshot of %s examples %s covering %s",
                runId, trigger, snapshot.size(), snapshot.splitCounts(), snapshot.offsets());
        String insufficient = insufficientData(snapshot);
        Optional<ModelRegistryEvent> liveAtStart = services.registry().live(settings.model());
        if (insufficient != null) {
            return new Prepared(
                    snapshot,
                    insufficient,
                    liveAtStart,
                    null,
                    null,
                    List.of(),
                    Optional.empty(),
                    requested,
                    lineage(runId, snapshot, null, requested));
        }
        ChampionLoader.LocalArtifact champion = null;
        String unavailable = null;
        if (liveAtStart.isPresent()) {
            try {
                champion = services.champions().fetch(liveAtStart.get());
            } catch (Exception e) {
                unavailable = championUnavailable(liveAtStart.get().version(), e);
            }
        }
        List<String> labels = snapshot.labelOrder(
                champion == null ? List.of() : champion.manifest().labels());
        reportLabelChanges(runId, champion, labels);
        Optional<Path> warmStart = warmStart(runId, champion, snapshot, requested);
        Lane lane = lane(runId, requested, champion, unavailable, warmStart);
        TrainingLineage lineage = lineage(
                runId, snapshot, warmStart.isPresent() ? champion.record().version() : null, lane);
        return new Prepared(snapshot, null, liveAtStart, champion, unavailable, labels, warmStart, lane, lineage);
    }

    /** The fast lane needs a champion to warm start from; without one it gives way to a full run, and says so. */
    private Lane lane(
            String runId,
            Lane requested,
            ChampionLoader.LocalArtifact champion,
            String unavailable,
            Optional<Path> warmStart) {
        if (requested == Lane.FULL || unavailable != null || warmStart.isPresent()) {
            return requested;
        }
        String why = champion == null
                ? "no champion to refresh"
                : "an example was deleted after the champion was trained: its weights may not be carried on";
        progress.phase(runId, "lane", "fast lane declined (" + why + "): running the full lane instead");
        return Lane.FULL;
    }

    private void reportLabelChanges(String runId, ChampionLoader.LocalArtifact champion, List<String> labels) {
        if (champion != null && !labels.equals(champion.manifest().labels())) {
            Set<String> added = new TreeSet<>(labels);
            champion.manifest().labels().forEach(added::remove);
            Set<String> removed = new TreeSet<>(champion.manifest().labels());
            labels.forEach(removed::remove);
            progress.phase(runId, "labels", "label set changed: added " + added + ", removed " + removed);
        }
    }

    private CandidateModel train(Prepared prepared, RunCancellation cancellation) throws Exception {
        TrainingJob job = new TrainingJob(
                prepared.lineage().runId(),
                examples(prepared.snapshot(), Split.TRAIN),
                examples(prepared.snapshot(), Split.VALIDATION),
                prepared.labels(),
                settings.training(),
                prepared.warmStart(),
                prepared.lane(),
                features);
        progress.phase(
                job.runId(),
                "training",
                job.train().size() + " training examples, labels " + prepared.labels() + ", "
                        + prepared.lane().id() + " lane");
        return services.trainer().train(job, progress.listener(job.runId()), cancellation);
    }

    /**
     * Scores the candidate and the champion on the same examples. Validation is reported but not gated on: early
     * stopping selected the candidate on it. A champion that cannot be loaded or scored is reported as unavailable.
     */
    private Scores evaluate(String runId, Prepared prepared, CandidateModel candidate) {
        progress.phase(runId, "evaluating", "candidate and champion on the same examples");
        List<DatasetEntry> validation = prepared.snapshot().split(Split.VALIDATION);
        List<DatasetEntry> test = prepared.snapshot().split(Split.TEST);
        List<String> labels = prepared.labels();
        var candidatePredictions = new CandidatePublisher.ScoredSplits(
                texts(validation),
                predict(candidate, validation),
                texts(test),
                test.stream().map(e -> e.example().label()).toList(),
                predict(candidate, test));
        ClassificationMetrics candidateVal =
                metrics(candidate, labels, validation, candidatePredictions.validationPredictions());
        ClassificationMetrics candidateTest = metrics(candidate, labels, test, candidatePredictions.testPredictions());
        ChampionLoader.LocalArtifact champion = prepared.champion();
        if (champion == null) {
            return new Scores(null, candidatePredictions, candidateVal, candidateTest, null, null, null);
        }
        long championVersion = champion.record().version();
        try (Classifier loaded = champion(runId, prepared, candidate)) {
            return new Scores(
                    championVersion,
                    candidatePredictions,
                    candidateVal,
                    candidateTest,
                    evaluate(loaded, labels, validation),
                    evaluate(loaded, labels, test),
                    null);
        } catch (Exception | LinkageError e) {
            return new Scores(
                    championVersion,
                    candidatePredictions,
                    candidateVal,
                    candidateTest,
                    null,
                    null,
                    championUnavailable(championVersion, e));
        }
    }

    /** The champion to score: its head on the candidate's cached features when they share the encoder. */
    private Classifier champion(String runId, Prepared prepared, CandidateModel candidate) throws Exception {
        ChampionLoader.LocalArtifact champion = prepared.champion();
        Optional<Classifier> shared = prepared.lane() == Lane.FAST
                ? candidate.championOnSharedEncoder(champion.manifest())
                : Optional.empty();
        if (shared.isPresent()) {
            progress.phase(
                    runId,
                    "evaluating",
                    "champion v" + champion.record().version() + " scored by its own head on the shared encoder's"
                            + " cached features");
            return shared.get();
        }
        return services.trainer().load(champion.dir(), champion.manifest());
    }

    /**
     * After a full-lane version went live: its encoder features of the whole snapshot go into the cache, so the next
     * fast-lane run encodes only what arrived since. The version is already live; a failure here costs only speed.
     */
    private void warmFastLane(String runId, long version, DatasetSnapshot snapshot, CandidateModel candidate) {
        List<String> all = Stream.of(Split.TRAIN, Split.VALIDATION, Split.TEST)
                .flatMap(split -> snapshot.split(split).stream())
                .map(e -> e.example().text())
                .toList();
        progress.phase(
                runId,
                "caching-features",
                "v" + version + "'s encoder features of " + all.size() + " texts, for the fast lane");
        try {
            candidate.cacheFeatures(all);
        } catch (RuntimeException e) {
            LOG.warnf("Run %s: could not cache v%s's encoder features: %s", runId, version, e.toString());
        }
    }

    /** Gates on the test split: examples neither training nor early stopping ever selected on. */
    private GateDecision gate(Scores scores) {
        return new ValidationGate(settings.gate()).decide(scores.candidateTest(), scores.championTest());
    }

    private void logDecision(String runId, long version, Scores scores, GateDecision decision) {
        LOG.infof(
                "Run %s: candidate v%s test macro-F1 %s (validation %s) vs champion %s %s → %s",
                runId,
                version,
                scores.candidateTest().macroF1(),
                scores.candidateValidation().macroF1(),
                scores.championVersion(),
                scores.championTest() == null ? "-" : scores.championTest().macroF1(),
                decision.accepted() ? "accepted" : "rejected " + decision.reasons());
    }

    private RunOutcome reject(RunState state, ManifestBuilder manifest, Scores scores, GateDecision decision) {
        services.registryWriter()
                .write(List.of(record(
                        settings.model(),
                        state.version(),
                        RegistryStatus.REJECTED,
                        null,
                        null,
                        manifest.draft(),
                        decision.reasons(),
                        services.clock().instant())));
        emitValidation(state.runId(), state.version(), scores, decision);
        progress.phase(state.runId(), "rejected", String.join("; ", decision.reasons()));
        return end(state, RunOutcome.Status.REJECTED, false, decision.reasons());
    }

    private RunOutcome published(
            RunState state, Scores scores, GateDecision decision, CandidatePublisher.Publication publication) {
        if (publication.status() == RunOutcome.Status.SUPERSEDED) {
            progress.phase(state.runId(), "superseded", String.join("; ", publication.reasons()));
            return end(state, RunOutcome.Status.SUPERSEDED, false, publication.reasons());
        }
        emitValidation(state.runId(), state.version(), scores, decision);
        progress.phase(
                state.runId(),
                "finished",
                "v" + state.version() + " published at " + publication.uri() + (publication.live() ? " and live" : ""));
        return end(state, RunOutcome.Status.PUBLISHED, publication.live(), List.of());
    }

    /**
     * The live champion could not be evaluated: gating on the absolute floors alone would let any candidate replace a
     * model it was never compared with, so nothing is published and an alert says why.
     */
    private RunOutcome postpone(RunState state, Optional<ModelRegistryEvent> live, String reason) {
        Long version = live.map(ModelRegistryEvent::version).orElse(null);
        String why = "postponed: " + reason + "; nothing is published until it can be compared (or an operator"
                + " promotes or rolls back a version)";
        LOG.errorf("Training run %s: %s", state.runId(), why);
        services.monitoring()
                .emit(new AlertEvent(
                        SchemaVersions.CURRENT,
                        settings.model(),
                        settings.instance(),
                        services.clock().instant(),
                        version,
                        "gate",
                        "warning",
                        "run " + state.runId() + " " + why));
        progress.phase(state.runId(), "postponed", reason);
        return end(state, RunOutcome.Status.POSTPONED, false, List.of(reason));
    }

    private String championUnavailable(long version, Throwable e) {
        LOG.errorf("Champion %s v%s cannot be evaluated: %s", settings.model(), version, e.toString());
        return "champion v" + version + " could not be evaluated: " + e.getMessage();
    }

    private RunOutcome failed(RunState state, Throwable e) {
        LOG.errorf(e, "Training run %s failed", state.runId());
        progress.phase(state.runId(), "failed", String.valueOf(e.getMessage()));
        emitError(state.version(), "training", "run " + state.runId() + " failed: " + e);
        return end(state, RunOutcome.Status.FAILED, false, List.of(String.valueOf(e)));
    }

    private String insufficientData(DatasetSnapshot snapshot) {
        Map<String, Long> train = snapshot.labelCounts().get(Split.TRAIN.id());
        if (train.size() < 2) {
            return "the training split has " + train.size() + " label(s); at least 2 are needed";
        }
        for (Map.Entry<String, Long> e : train.entrySet()) {
            if (e.getValue() < settings.minExamplesPerLabel()) {
                return "label '" + e.getKey() + "' has " + e.getValue() + " training example(s), fewer than "
                        + settings.minExamplesPerLabel();
            }
        }
        if (snapshot.split(Split.VALIDATION).isEmpty()) {
            return "the validation split is empty";
        }
        if (snapshot.split(Split.TEST).isEmpty()) {
            return "the test split is empty: the gate scores on examples the run never selected on";
        }
        return null;
    }

    /** The champion's weights to start from: as configured for the full lane, always for the fast lane. */
    private Optional<Path> warmStart(
            String runId, ChampionLoader.LocalArtifact champion, DatasetSnapshot snapshot, Lane lane) {
        if ((!settings.warmStart() && lane == Lane.FULL) || champion == null) {
            return Optional.empty();
        }
        TrainingLineage seen = champion.manifest().lineage();
        for (Map.Entry<Integer, Long> deletion : snapshot.lastDeletionOffsets().entrySet()) {
            long coveredTo = seen == null
                    ? Long.MAX_VALUE
                    : seen.offsets().stream()
                            .filter(r -> r.partition() == deletion.getKey())
                            .mapToLong(OffsetRange::toOffset)
                            .max()
                            .orElse(-1);
            if (deletion.getValue() > coveredTo || seen == null) {
                progress.phase(
                        runId,
                        "training",
                        "cold start: an example was deleted after champion v"
                                + champion.record().version() + " was trained, its weights must not carry it on");
                return Optional.empty();
            }
        }
        return Optional.of(champion.dir());
    }

    private static ClassificationMetrics evaluate(Classifier model, List<String> labels, List<DatasetEntry> entries) {
        return metrics(model, labels, entries, predict(model, entries));
    }

    private static List<double[]> predict(Classifier model, List<DatasetEntry> entries) {
        return entries.isEmpty() ? List.of() : model.predict(texts(entries));
    }

    private static ClassificationMetrics metrics(
            Classifier model, List<String> labels, List<DatasetEntry> entries, List<double[]> probabilities) {
        List<String> truth = entries.stream().map(e -> e.example().label()).toList();
        return MetricsCalculator.compute(labels, truth, model.labels(), probabilities);
    }

    private static List<LabeledExample> examples(DatasetSnapshot snapshot, Split split) {
        return snapshot.split(split).stream().map(DatasetEntry::example).toList();
    }

    private static List<String> texts(List<DatasetEntry> entries) {
        return entries.stream().map(e -> e.example().text()).toList();
    }

    private TrainingLineage lineage(String runId, DatasetSnapshot snapshot, Long warmStartVersion, Lane lane) {
        return new TrainingLineage(
                runId,
                snapshot.takenAt(),
                snapshot.offsets(),
                snapshot.splitCounts(),
                snapshot.labelCounts(),
                warmStartVersion,
                lane.id());
    }

    static ModelRegistryEvent record(
            String model,
            long version,
            RegistryStatus status,
            URI uri,
            ArtifactWriter.Sealed sealed,
            ModelManifest manifest,
            List<String> reasons,
            Instant ts) {
        return new ModelRegistryEvent(
                SchemaVersions.CURRENT,
                model,
                version,
                status,
                uri == null ? null : uri.toString(),
                sealed == null ? null : sealed.manifestSha256(),
                sealed == null ? null : sealed.signature(),
                manifest,
                false,
                reasons,
                ts);
    }

    private void emitValidation(String runId, long version, Scores scores, GateDecision decision) {
        services.monitoring()
                .emit(new ValidationEvent(
                        SchemaVersions.CURRENT,
                        settings.model(),
                        settings.instance(),
                        services.clock().instant(),
                        runId,
                        version,
                        scores.championVersion(),
                        decision.accepted(),
                        decision.reasons(),
                        scores.candidateValidation(),
                        scores.candidateTest(),
                        scores.championValidation(),
                        scores.championTest()));
    }

    private RunOutcome end(RunState state, RunOutcome.Status status, boolean live, List<String> reasons) {
        return new RunOutcome(
                state.runId(),
                state.trigger(),
                status,
                state.version(),
                live,
                reasons,
                state.validation(),
                state.test(),
                state.lineage(),
                state.changeCount(),
                state.startedAt(),
                services.clock().instant());
    }

    /** What the run has settled so far, for the outcome whichever way it ends. */
    private record RunState(
            String runId,
            String trigger,
            Instant startedAt,
            Long changeCount,
            TrainingLineage lineage,
            ClassificationMetrics validation,
            ClassificationMetrics test,
            Long version) {

        RunState prepared(long changes, TrainingLineage lineage) {
            return new RunState(runId, trigger, startedAt, changes, lineage, validation, test, version);
        }

        RunState scored(ClassificationMetrics validation, ClassificationMetrics test) {
            return new RunState(runId, trigger, startedAt, changeCount, lineage, validation, test, version);
        }

        RunState versioned(long version) {
            return new RunState(runId, trigger, startedAt, changeCount, lineage, validation, test, version);
        }
    }

    /** Deletes what runs killed before their cleanup left in the staging area. */
    public static void clearStaging(Path workDir) throws IOException {
        Path staging = workDir.resolve("staging");
        if (!Files.isDirectory(staging)) {
            return;
        }
        try (Stream<Path> runs = Files.list(staging)) {
            for (Path run : (Iterable<Path>) runs.sorted(Comparator.naturalOrder())::iterator) {
                LOG.infof("Removing staging leftovers of an interrupted run: %s", run);
                Directories.deleteRecursively(run);
            }
        }
    }

    private void emitError(Long version, String component, String message) {
        services.monitoring()
                .emit(new ErrorEvent(
                        SchemaVersions.CURRENT,
                        settings.model(),
                        settings.instance(),
                        services.clock().instant(),
                        version,
                        component,
                        message));
    }
}
