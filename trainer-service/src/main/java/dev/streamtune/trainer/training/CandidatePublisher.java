package dev.streamtune.trainer.training;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.MetricsCalculator;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.export.Int8Variants;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.publish.BaselineCalculator;
import dev.streamtune.trainer.publish.TokenStatistics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Publishes a candidate that passed the gate: export → parity with the trained model → seal and verify → store →
 * announce. Nothing reaches the models topic before the artifact is complete in the store.
 */
final class CandidatePublisher {

    private static final Logger LOG = Logger.getLogger(CandidatePublisher.class);
    private static final int PARITY_TEXTS = 32;

    /**
     * The splits the candidate was scored on, with its probabilities on them (from its evaluation, in its label order):
     * what the exported graphs are checked against, and the drift baselines.
     */
    record ScoredSplits(
            List<String> validationTexts,
            List<double[]> validationPredictions,
            List<String> testTexts,
            List<String> testTruth,
            List<double[]> testPredictions) {}

    /** How publishing ended: published (live or not), or superseded by a deletion. */
    record Publication(RunOutcome.Status status, boolean live, URI uri, List<String> reasons) {}

    private final TrainingRun.Settings settings;
    private final TrainingRun.Services services;
    private final ProgressReporter progress;

    CandidatePublisher(TrainingRun.Settings settings, TrainingRun.Services services, ProgressReporter progress) {
        this.settings = settings;
        this.services = services;
        this.progress = progress;
    }

    /**
     * @param splits the validation split (self-checks, drift baselines, the exported model's parity texts) and the test
     *     split (on which the int8 graph is scored as the candidate was), with the candidate's predictions on both
     * @param liveAtStart the version live when the run began: the candidate goes live only if it still is
     */
    Publication publish(
            String runId,
            CandidateModel candidate,
            ManifestBuilder manifest,
            DatasetSnapshot snapshot,
            ScoredSplits splits,
            Optional<Long> liveAtStart,
            RunCancellation cancellation,
            Path staging)
            throws Exception {
        long version = manifest.version();
        progress.phase(runId, "exporting", "v" + version + " to " + staging);
        Path artifact = Files.createDirectories(staging.resolve("artifact"));
        candidate.export(artifact);
        ModelManifest complete = completeFromExport(candidate, manifest, splits, artifact);
        progress.phase(runId, "sealing", "v" + version + ": digests, signature, verification");
        ArtifactWriter.Sealed sealed = ArtifactWriter.seal(artifact, complete, services.signer());
        new ArtifactVerifier(services.signer()).verify(artifact, sealed.manifestSha256());

        cancellation.check();
        progress.phase(runId, "publishing", "v" + version + " to the artifact store");
        URI uri = services.store().publish(artifact, settings.model(), version);
        // From here the artifact is complete but unannounced: a crash leaves it invisible and its version skipped.
        Set<String> deleted = services.dataset().deleted(snapshot.ids());
        if (!deleted.isEmpty()) {
            String why = deleted.size() + " example(s) it trained on were deleted during the run, e.g. "
                    + deleted.iterator().next();
            return new Publication(RunOutcome.Status.SUPERSEDED, false, uri, List.of(why));
        }
        boolean live = announce(runId, version, uri, sealed, liveAtStart);
        return new Publication(RunOutcome.Status.PUBLISHED, live, uri, List.of());
    }

    /**
     * The exported model runs only on the texts it is checked on (the first {@value #PARITY_TEXTS} validation texts,
     * which hold the self-checks, and the longest one): it must agree there with the candidate, whose predictions on
     * the whole validation split then give the drift baselines. The int8 graph runs on the whole test split (its
     * accuracy there decides whether it is served), compared with the candidate's own test predictions. Before, the
     * exported float model also ran on the whole validation and test splits, a cost that grew with the dataset (most
     * of a fast-lane run's export).
     */
    private ModelManifest completeFromExport(
            CandidateModel candidate, ManifestBuilder manifest, ScoredSplits splits, Path artifact) throws Exception {
        List<String> validationTexts = splits.validationTexts();
        List<double[]> validationPredictions = splits.validationPredictions();
        int n = Math.min(settings.selfChecks(), validationTexts.size());
        List<Integer> checkedTexts = checkedTexts(validationTexts, n);
        List<SelfCheck> selfChecks = new ArrayList<>();
        long started = System.nanoTime();
        try (Classifier exported = services.trainer().load(artifact, manifest.draft())) {
            List<double[]> exportedProbabilities = exported.predict(
                    checkedTexts.stream().map(validationTexts::get).toList());
            checkParity(
                    candidate,
                    exported,
                    checkedTexts.stream().map(validationPredictions::get).toList(),
                    exportedProbabilities);
            for (int i = 0; i < n; i++) {
                selfChecks.add(new SelfCheck(validationTexts.get(i), boxed(exportedProbabilities.get(i))));
            }
            int longest = longest(validationTexts);
            if (candidate.truncation() != Truncation.HEAD && longest >= n) {
                // a text long enough to be truncated: a server that keeps other tokens of it fails this check
                selfChecks.add(new SelfCheck(
                        validationTexts.get(longest), boxed(exportedProbabilities.get(checkedTexts.indexOf(longest)))));
            }
        }
        long checked = System.nanoTime();
        DriftBaselines baselines = BaselineCalculator.compute(
                manifest.labels(),
                validationPredictions,
                TokenStatistics.of(
                        artifact.resolve(ModelArtifact.TOKENIZER_FILE), validationTexts, candidate.maxLength()));
        // the int8 graph the exporter kept (within its parity bound), scored on the test split like the candidate
        Map<String, ModelVariant> variants = Int8Variants.describe(
                artifact,
                manifest.draft(),
                splits.testTexts(),
                splits.testPredictions(),
                p -> MetricsCalculator.compute(manifest.labels(), splits.testTruth(), candidate.labels(), p),
                selfChecks.stream().map(SelfCheck::text).toList());
        LOG.infof(
                "v%d: exported model loaded and checked on %d of %d validation texts in %.1f s; int8 graph scored on %d"
                        + " test texts in %.1f s",
                manifest.version(),
                checkedTexts.size(),
                validationTexts.size(),
                (checked - started) / 1e9,
                splits.testTexts().size(),
                (System.nanoTime() - checked) / 1e9);
        return manifest.complete(baselines, selfChecks).withVariants(variants);
    }

    /** The validation texts the exported model is run on: the parity sample (self-checks included) and the longest. */
    private static List<Integer> checkedTexts(List<String> texts, int selfChecks) {
        List<Integer> checked = new ArrayList<>();
        for (int i = 0; i < Math.min(Math.max(PARITY_TEXTS, selfChecks), texts.size()); i++) {
            checked.add(i);
        }
        int longest = longest(texts);
        if (longest >= 0 && !checked.contains(longest)) {
            checked.add(longest);
        }
        return checked;
    }

    private static int longest(List<String> texts) {
        int longest = -1;
        for (int i = 0; i < texts.size(); i++) {
            if (longest < 0 || texts.get(i).length() > texts.get(longest).length()) {
                longest = i;
            }
        }
        return longest;
    }

    /** Writes PUBLISHED, and LIVE with it when the live version is still the one the run started from. */
    private boolean announce(
            String runId, long version, URI uri, ArtifactWriter.Sealed sealed, Optional<Long> liveAtStart) {
        return services.registryWriter().exclusively(() -> {
            Optional<Long> liveNow = services.registry().live(settings.model()).map(ModelRegistryEvent::version);
            boolean makeLive = liveNow.equals(liveAtStart);
            List<ModelRegistryEvent> records = new ArrayList<>();
            records.add(TrainingRun.record(
                    settings.model(),
                    version,
                    RegistryStatus.PUBLISHED,
                    uri,
                    sealed,
                    sealed.manifest(),
                    List.of(),
                    services.clock().instant()));
            if (makeLive) {
                records.add(TrainingRun.record(
                        settings.model(),
                        version,
                        RegistryStatus.LIVE,
                        uri,
                        sealed,
                        sealed.manifest(),
                        List.of(),
                        services.clock().instant()));
            } else {
                LOG.warnf(
                        "Run %s: the live version changed during the run (%s -> %s); v%s is published, not live",
                        runId, liveAtStart.orElse(null), liveNow.orElse(null), version);
            }
            services.registryWriter().write(records);
            return makeLive;
        });
    }

    /** The candidate's and the exported model's probabilities on the same texts agree within the export tolerance. */
    private void checkParity(
            CandidateModel candidate,
            Classifier exported,
            List<double[]> trained,
            List<double[]> exportedProbabilities) {
        double worst = 0;
        for (int i = 0; i < trained.size(); i++) {
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

    private static List<Double> boxed(double[] values) {
        List<Double> list = new ArrayList<>(values.length);
        for (double v : values) {
            list.add(v);
        }
        return list;
    }
}
