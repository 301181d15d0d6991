package dev.streamtune.trainer.training;

import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.OffsetRange;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.model.TrainingLineage;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.trainer.bert.export.Int8Variants;
import dev.streamtune.trainer.dataset.DatasetEntry;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.Split;
import dev.streamtune.trainer.gate.Evaluator;
import dev.streamtune.trainer.gate.GateDecision;
import dev.streamtune.trainer.gate.ValidationGate;
import dev.streamtune.trainer.publish.BaselineCalculator;
import dev.streamtune.trainer.publish.ChampionLoader;
import dev.streamtune.trainer.publish.RegistryView;
import dev.streamtune.trainer.publish.RegistryWriteException;
import dev.streamtune.trainer.publish.RegistryWriter;
import dev.streamtune.trainer.publish.TokenStatistics;
import dev.streamtune.trainer.publish.VersionAllocator;
import dev.streamtune.trainer.store.Directories;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run, start to finish: snapshot the dataset, fine-tune a candidate, evaluate it and the champion on the
 * same validation and test examples, gate, then stage → seal → verify → upload → announce. Nothing reaches the models
 * topic before the artifact is complete in the store, so a run that dies at any point announces nothing.
 */
public final class TrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private static final int PARITY_TEXTS = 32;

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
            ValidationGate.Rules gate) {}

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

    public TrainingRun(Settings settings, Services services, ProgressReporter progress) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.services = Objects.requireNonNull(services, "services");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    public RunOutcome run(String runId, String trigger, RunCancellation cancellation) {
        Instant startedAt = services.clock().instant();
        Path staging = settings.workDir().resolve("staging").resolve(runId);
        Outcome outcome = new Outcome(runId, trigger, startedAt);
        try {
            progress.phase(runId, "started", "trigger: " + trigger);
            return execute(runId, trigger, cancellation, staging, outcome);
        } catch (RunCancellation.RunCancelledException e) {
            progress.phase(runId, "cancelled", e.getMessage());
            return outcome.end(RunOutcome.Status.CANCELLED, List.of(e.getMessage()));
        } catch (RegistryWriteException e) {
            if (e.outcome() == RegistryWriteException.Outcome.UNKNOWN) {
                // neither FAILED nor PUBLISHED: the models topic has the answer once the broker is back
                LOG.error("Training run {}: the outcome of announcing v{} is unknown", runId, outcome.version, e);
                progress.phase(runId, "unconfirmed", e.getMessage());
                emitError(outcome.version, "registry", "run " + runId + ": " + e.getMessage());
                return outcome.end(RunOutcome.Status.UNCONFIRMED, List.of(e.getMessage()));
            }
            return failed(runId, outcome, e);
        } catch (Exception | LinkageError e) {
            return failed(runId, outcome, e);
        } finally {
            try {
                Directories.deleteRecursively(staging);
            } catch (IOException e) {
                LOG.warn("Could not remove staging directory {}: {}", staging, e.getMessage());
            }
        }
    }

    private RunOutcome failed(String runId, Outcome outcome, Throwable e) {
        LOG.error("Training run {} failed", runId, e);
        progress.phase(runId, "failed", String.valueOf(e.getMessage()));
        emitError(outcome.version, "training", "run " + runId + " failed: " + e);
        return outcome.end(RunOutcome.Status.FAILED, List.of(String.valueOf(e)));
    }

    private RunOutcome execute(
            String runId, String trigger, RunCancellation cancellation, Path staging, Outcome outcome)
            throws Exception {
        DatasetSnapshot snapshot = services.dataset().snapshot();
        outcome.changeCount = snapshot.changeCount();
        LOG.info(
                "Run {} ({}): snapshot of {} examples {} covering {}",
                runId,
                trigger,
                snapshot.size(),
                snapshot.splitCounts(),
                snapshot.offsets());
        String insufficient = insufficientData(snapshot);
        if (insufficient != null) {
            progress.phase(runId, "skipped", insufficient);
            outcome.lineage = lineage(runId, snapshot, null);
            return outcome.end(RunOutcome.Status.SKIPPED, List.of(insufficient));
        }

        Optional<ModelRegistryEvent> liveAtStart = services.registry().live(settings.model());
        ChampionLoader.LocalArtifact champion =
                liveAtStart.map(this::loadChampion).orElse(null);
        List<String> labels = snapshot.labelOrder(
                champion == null ? List.of() : champion.manifest().labels());
        if (champion != null && !labels.equals(champion.manifest().labels())) {
            Set<String> added = new TreeSet<>(labels);
            champion.manifest().labels().forEach(added::remove);
            Set<String> removed = new TreeSet<>(champion.manifest().labels());
            labels.forEach(removed::remove);
            progress.phase(runId, "labels", "label set changed: added " + added + ", removed " + removed);
        }
        Optional<Path> warmStart = warmStart(runId, champion, snapshot);
        outcome.lineage = lineage(
                runId, snapshot, warmStart.isPresent() ? champion.record().version() : null);

        cancellation.check();
        TrainingJob job = new TrainingJob(
                runId,
                examples(snapshot, Split.TRAIN),
                examples(snapshot, Split.VALIDATION),
                labels,
                settings.training(),
                warmStart);
        progress.phase(runId, "training", job.train().size() + " training examples, labels " + labels);
        try (CandidateModel candidate = services.trainer().train(job, progress.listener(runId), cancellation)) {
            cancellation.check();
            progress.phase(runId, "evaluating", "candidate and champion on the same examples");
            List<DatasetEntry> validation = snapshot.split(Split.VALIDATION);
            List<DatasetEntry> test = snapshot.split(Split.TEST);
            ClassificationMetrics candidateVal = evaluate(candidate, labels, validation);
            ClassificationMetrics candidateTest = evaluate(candidate, labels, test);
            outcome.validation = candidateVal;
            outcome.test = candidateTest;
            ClassificationMetrics championVal = null;
            ClassificationMetrics championTest = null;
            if (champion != null) {
                try (Classifier loaded = services.trainer().load(champion.dir(), champion.manifest())) {
                    championVal = evaluate(loaded, labels, validation);
                    championTest = evaluate(loaded, labels, test);
                }
            }
            GateDecision decision = new ValidationGate(settings.gate()).decide(candidateVal, championVal);
            long version = services.versions().next(settings.model());
            outcome.version = version;
            Long championVersion = champion == null ? null : champion.record().version();
            LOG.info(
                    "Run {}: candidate v{} validation macro-F1 {} vs champion {} {} → {}",
                    runId,
                    version,
                    candidateVal.macroF1(),
                    championVersion,
                    championVal == null ? "-" : championVal.macroF1(),
                    decision.accepted() ? "accepted" : "rejected " + decision.reasons());
            ModelManifest draft = manifest(
                    version,
                    candidate,
                    labels,
                    candidateVal,
                    candidateTest,
                    outcome.lineage,
                    null,
                    List.of(),
                    outcome.startedAt);
            if (!decision.accepted()) {
                services.registryWriter()
                        .write(List.of(
                                record(version, RegistryStatus.REJECTED, null, null, draft, decision.reasons())));
                emitValidation(
                        runId,
                        version,
                        championVersion,
                        decision,
                        candidateVal,
                        candidateTest,
                        championVal,
                        championTest);
                progress.phase(runId, "rejected", String.join("; ", decision.reasons()));
                return outcome.end(RunOutcome.Status.REJECTED, decision.reasons());
            }

            cancellation.check();
            progress.phase(runId, "exporting", "v" + version + " to " + staging);
            Path artifact = Files.createDirectories(staging.resolve("artifact"));
            candidate.export(artifact);
            List<String> validationTexts = texts(validation);
            List<double[]> exportedProbabilities;
            List<SelfCheck> selfChecks = new ArrayList<>();
            try (Classifier exported = services.trainer().load(artifact, draft)) {
                exportedProbabilities = exported.predict(validationTexts);
                checkParity(candidate, exported, validationTexts, exportedProbabilities);
                for (int i = 0; i < Math.min(settings.selfChecks(), validationTexts.size()); i++) {
                    selfChecks.add(new SelfCheck(validationTexts.get(i), boxed(exportedProbabilities.get(i))));
                }
            }
            DriftBaselines baselines = BaselineCalculator.compute(
                    labels,
                    snapshot.labelCounts().get(Split.TRAIN.id()),
                    exportedProbabilities,
                    TokenStatistics.of(
                            artifact.resolve(ModelArtifact.TOKENIZER_FILE), validationTexts, candidate.maxLength()));
            List<String> testTruth = test.stream().map(e -> e.example().label()).toList();
            Map<String, ModelVariant> variants = Int8Variants.describe(
                    artifact,
                    draft,
                    texts(test),
                    p -> Evaluator.evaluate(labels, testTruth, candidate.labels(), p),
                    selfChecks.stream().map(SelfCheck::text).toList());
            ModelManifest manifest = manifest(
                            version,
                            candidate,
                            labels,
                            candidateVal,
                            candidateTest,
                            outcome.lineage,
                            baselines,
                            selfChecks,
                            outcome.startedAt)
                    .withVariants(variants);
            ArtifactWriter.Sealed sealed = ArtifactWriter.seal(artifact, manifest, services.signer());
            new ArtifactVerifier(services.signer()).verify(artifact, sealed.manifestSha256());

            cancellation.check();
            progress.phase(runId, "publishing", "v" + version + " to the artifact store");
            URI uri = services.store().publish(artifact, settings.model(), version);
            // From here the artifact is complete but unannounced: a crash leaves it invisible and its version skipped.
            Set<String> deleted = services.dataset().deleted(snapshot.ids());
            if (!deleted.isEmpty()) {
                String why = deleted.size() + " example(s) it trained on were deleted during the run, e.g. "
                        + deleted.iterator().next();
                progress.phase(runId, "superseded", why);
                return outcome.end(RunOutcome.Status.SUPERSEDED, List.of(why));
            }
            boolean makeLive;
            // the writer is the registry's one lock: an operator's promotion cannot slip between check and write
            synchronized (services.registryWriter()) {
                Optional<ModelRegistryEvent> liveNow = services.registry().live(settings.model());
                makeLive =
                        liveNow.map(ModelRegistryEvent::version).equals(liveAtStart.map(ModelRegistryEvent::version));
                List<ModelRegistryEvent> records = new ArrayList<>();
                records.add(record(version, RegistryStatus.PUBLISHED, uri, sealed, sealed.manifest(), List.of()));
                if (makeLive) {
                    records.add(record(version, RegistryStatus.LIVE, uri, sealed, sealed.manifest(), List.of()));
                } else {
                    LOG.warn(
                            "Run {}: the live version changed during the run ({} -> {}); v{} is published, not live",
                            runId,
                            liveAtStart.map(ModelRegistryEvent::version).orElse(null),
                            liveNow.map(ModelRegistryEvent::version).orElse(null),
                            version);
                }
                services.registryWriter().write(records);
            }
            outcome.live = makeLive;
            emitValidation(
                    runId, version, championVersion, decision, candidateVal, candidateTest, championVal, championTest);
            progress.phase(runId, "finished", "v" + version + " published at " + uri + (makeLive ? " and live" : ""));
            return outcome.end(RunOutcome.Status.PUBLISHED, List.of());
        }
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
        return null;
    }

    private ChampionLoader.LocalArtifact loadChampion(ModelRegistryEvent live) {
        try {
            return services.champions().fetch(live);
        } catch (Exception e) {
            // a missing or tampered champion must not block new models: the gate falls back to the absolute floor
            LOG.error(
                    "Cannot load champion {} v{} from {}: {}", live.name(), live.version(), live.uri(), e.getMessage());
            emitError(
                    live.version(),
                    "artifact-store",
                    "champion v" + live.version() + " could not be loaded for comparison: " + e.getMessage());
            return null;
        }
    }

    private Optional<Path> warmStart(String runId, ChampionLoader.LocalArtifact champion, DatasetSnapshot snapshot) {
        if (!settings.warmStart() || champion == null) {
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

    private void checkParity(
            CandidateModel candidate, Classifier exported, List<String> texts, List<double[]> exportedProbabilities) {
        List<String> sample = texts.subList(0, Math.min(PARITY_TEXTS, texts.size()));
        List<double[]> trained = candidate.predict(sample);
        double worst = 0;
        for (int i = 0; i < sample.size(); i++) {
            double[] a = trained.get(i);
            double[] b = exportedProbabilities.get(i);
            for (int k = 0; k < a.length; k++) {
                worst = Math.max(worst, Math.abs(a[k] - b[k]));
            }
        }
        if (worst > settings.exportTolerance() || !candidate.labels().equals(exported.labels())) {
            throw new IllegalStateException("the exported ONNX model disagrees with the trained model: max probability"
                    + " difference " + worst + " > " + settings.exportTolerance() + " (labels " + candidate.labels()
                    + " vs " + exported.labels() + ")");
        }
    }

    private static ClassificationMetrics evaluate(Classifier model, List<String> labels, List<DatasetEntry> entries) {
        List<String> truth = entries.stream().map(e -> e.example().label()).toList();
        List<double[]> probabilities = entries.isEmpty() ? List.of() : model.predict(texts(entries));
        return Evaluator.evaluate(labels, truth, model.labels(), probabilities);
    }

    private static List<LabeledExample> examples(DatasetSnapshot snapshot, Split split) {
        return snapshot.split(split).stream().map(DatasetEntry::example).toList();
    }

    private static List<String> texts(List<DatasetEntry> entries) {
        return entries.stream().map(e -> e.example().text()).toList();
    }

    private static List<Double> boxed(double[] values) {
        List<Double> list = new ArrayList<>(values.length);
        for (double v : values) {
            list.add(v);
        }
        return list;
    }

    private TrainingLineage lineage(String runId, DatasetSnapshot snapshot, Long warmStartVersion) {
        return new TrainingLineage(
                runId,
                snapshot.takenAt(),
                snapshot.offsets(),
                snapshot.splitCounts(),
                snapshot.labelCounts(),
                warmStartVersion);
    }

    private ModelManifest manifest(
            long version,
            CandidateModel candidate,
            List<String> labels,
            ClassificationMetrics validation,
            ClassificationMetrics test,
            TrainingLineage lineage,
            DriftBaselines baselines,
            List<SelfCheck> selfChecks,
            Instant createdAt) {
        return new ModelManifest(
                SchemaVersions.CURRENT,
                settings.model(),
                version,
                candidate.baseModel(),
                labels,
                candidate.maxLength(),
                candidate.pooling(),
                ModelManifest.FORMAT_ONNX,
                Map.of(),
                validation,
                test,
                lineage,
                baselines,
                selfChecks,
                candidate.hyperParameters(),
                createdAt);
    }

    private ModelRegistryEvent record(
            long version,
            RegistryStatus status,
            URI uri,
            ArtifactWriter.Sealed sealed,
            ModelManifest manifest,
            List<String> reasons) {
        return new ModelRegistryEvent(
                SchemaVersions.CURRENT,
                settings.model(),
                version,
                status,
                uri == null ? null : uri.toString(),
                sealed == null ? null : sealed.manifestSha256(),
                sealed == null ? null : sealed.signature(),
                manifest,
                false,
                reasons,
                services.clock().instant());
    }

    private void emitValidation(
            String runId,
            long version,
            Long championVersion,
            GateDecision decision,
            ClassificationMetrics candidateVal,
            ClassificationMetrics candidateTest,
            ClassificationMetrics championVal,
            ClassificationMetrics championTest) {
        services.monitoring()
                .emit(new ValidationEvent(
                        SchemaVersions.CURRENT,
                        settings.model(),
                        settings.instance(),
                        services.clock().instant(),
                        runId,
                        version,
                        championVersion,
                        decision.accepted(),
                        decision.reasons(),
                        candidateVal,
                        candidateTest,
                        championVal,
                        championTest));
    }

    /** Mutable bookkeeping while the run goes. */
    private final class Outcome {
        final String runId;
        final String trigger;
        final Instant startedAt;
        Long version;
        boolean live;
        ClassificationMetrics validation;
        ClassificationMetrics test;
        TrainingLineage lineage;
        Long changeCount;

        Outcome(String runId, String trigger, Instant startedAt) {
            this.runId = runId;
            this.trigger = trigger;
            this.startedAt = startedAt;
        }

        RunOutcome end(RunOutcome.Status status, List<String> reasons) {
            return new RunOutcome(
                    runId,
                    trigger,
                    status,
                    version,
                    live,
                    reasons,
                    validation,
                    test,
                    lineage,
                    changeCount,
                    startedAt,
                    services.clock().instant());
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
                LOG.info("Removing staging leftovers of an interrupted run: {}", run);
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
