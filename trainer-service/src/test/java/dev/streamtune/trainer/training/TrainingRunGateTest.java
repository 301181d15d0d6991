package dev.streamtune.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.OffsetRange;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.dataset.DatasetEntry;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.Split;
import dev.streamtune.trainer.gate.ValidationGate;
import dev.streamtune.trainer.publish.ChampionLoader;
import dev.streamtune.trainer.publish.RegistryView;
import dev.streamtune.trainer.publish.RegistryWriter;
import dev.streamtune.trainer.publish.VersionAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's gate with a scripted classifier, so which examples it is scored on is exact: a real store, signer and
 * verifier, an in-memory models topic. The model "knows" the right label of each text and answers wrongly on the splits
 * it is told to; its export records that, so a published version loaded back as champion behaves the same.
 */
class TrainingRunGateTest {

    private static final String MODEL = "gate-test";
    private static final List<String> LABELS = List.of("ham", "spam");
    private static final ManifestSigner SIGNER = ManifestSigner.hmac("test", "gate-test-secret-0123456789abcdef0123");

    @TempDir
    Path tmp;

    private final InMemoryRegistry registry = new InMemoryRegistry();
    private final List<MonitoringEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void shouldGateOnTheTestSplitNotTheSplitEarlyStoppingSelectedOn() {
        // perfect where early stopping looked (validation), wrong on every example it never selected on
        RunOutcome outcome = run(new ScriptedTrainer(EnumSet.of(Split.TEST)));

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.REJECTED);
        assertThat(outcome.reasons()).anyMatch(r -> r.contains("test macro-F1 0.0000 is below the minimum"));
        assertThat(registry.records).extracting(ModelRegistryEvent::status).containsExactly(RegistryStatus.REJECTED);
        assertThat(registry.live(MODEL)).isEmpty();
    }

    @Test
    void shouldPublishAndMakeLiveACandidateThatPassesTheGate() throws Exception {
        RunOutcome outcome = run(new ScriptedTrainer(EnumSet.noneOf(Split.class)));

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.PUBLISHED);
        assertThat(outcome.live()).isTrue();
        assertThat(registry.records)
                .extracting(ModelRegistryEvent::status)
                .containsExactly(RegistryStatus.PUBLISHED, RegistryStatus.LIVE);
        ModelRegistryEvent live = registry.live(MODEL).orElseThrow();
        Path fetched = tmp.resolve("fetched");
        store().fetch(URI.create(live.uri()), fetched);
        ModelManifest manifest = new ArtifactVerifier(SIGNER).verify(fetched, live.manifestSha256());
        assertThat(manifest.testMetrics().macroF1()).isEqualTo(1.0);
        assertThat(manifest.selfChecks()).hasSize(2);
        assertThat(manifest.baselines()).isNotNull();
        assertThat(events)
                .filteredOn(ValidationEvent.class::isInstance)
                .singleElement()
                .satisfies(e -> assertThat(((ValidationEvent) e).accepted()).isTrue());
    }

    @Test
    void shouldCompareWithTheChampionOnTheTestSplit() {
        assertThat(run(new ScriptedTrainer(EnumSet.noneOf(Split.class))).status())
                .isEqualTo(RunOutcome.Status.PUBLISHED);
        events.clear();

        // as good as the champion where it was selected, worse where it was not: below the champion on test
        RunOutcome second = run(new ScriptedTrainer(EnumSet.of(Split.TEST)));

        assertThat(second.status()).isEqualTo(RunOutcome.Status.REJECTED);
        assertThat(second.reasons()).anyMatch(r -> r.contains("below the champion's 1.0000"));
        ValidationEvent validation = (ValidationEvent) events.stream()
                .filter(ValidationEvent.class::isInstance)
                .findFirst()
                .orElseThrow();
        assertThat(validation.championVersion()).isEqualTo(1L);
        assertThat(validation.championTest().macroF1()).isEqualTo(1.0);
        assertThat(registry.live(MODEL).orElseThrow().version()).isEqualTo(1L);
    }

    @Test
    void shouldPostponeWhenTheChampionCannotBeEvaluated() throws IOException {
        assertThat(run(new ScriptedTrainer(EnumSet.noneOf(Split.class))).status())
                .isEqualTo(RunOutcome.Status.PUBLISHED);
        // the champion's artifact is tampered with in the store: it can no longer be verified, loaded or compared
        ModelRegistryEvent champion = registry.live(MODEL).orElseThrow();
        Path stored = store().confined(URI.create(champion.uri()));
        Files.writeString(stored.resolve("model.onnx"), "tampered");
        int recordsBefore = registry.records.size();
        events.clear();

        RunOutcome outcome = run(new ScriptedTrainer(EnumSet.noneOf(Split.class)));

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.POSTPONED);
        assertThat(outcome.live()).isFalse();
        assertThat(outcome.reasons()).singleElement().asString().contains("champion v1 could not be evaluated");
        assertThat(registry.records).hasSize(recordsBefore);
        assertThat(registry.live(MODEL).orElseThrow().version()).isEqualTo(1L);
        assertThat(events)
                .filteredOn(AlertEvent.class::isInstance)
                .map(AlertEvent.class::cast)
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.kind()).isEqualTo("gate");
                    assertThat(a.version()).isEqualTo(1L);
                    assertThat(a.message()).contains("postponed").contains("champion v1 could not be evaluated");
                });
    }

    @Test
    void shouldRunTheExportedModelOnlyOnTheTextsItIsCheckedOn() throws Exception {
        ScriptedTrainer trainer = new ScriptedTrainer(EnumSet.noneOf(Split.class));

        RunOutcome outcome = run(trainer, new ScriptedDataset(30, true));

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.PUBLISHED);
        // 61 validation texts: the exported model sees the parity sample (32, self-checks among them) and the longest
        assertThat(trainer.exportedAsked)
                .filteredOn(t -> t.contains(Split.VALIDATION.name()))
                .hasSize(33)
                .contains(LONG_TEXT);
        ModelRegistryEvent live = registry.live(MODEL).orElseThrow();
        Path fetched = tmp.resolve("fetched");
        store().fetch(URI.create(live.uri()), fetched);
        ModelManifest manifest = new ArtifactVerifier(SIGNER).verify(fetched, live.manifestSha256());
        // the baselines still cover the whole split, from the candidate's own predictions: 31 spam of 61 (the 33
        // checked texts alone would say 17 of 33)
        assertThat(manifest.baselines().labelPrior().get("spam"))
                .isCloseTo(31.0 / 61, org.assertj.core.data.Offset.offset(0.004));
    }

    @Test
    void shouldRefuseAnExportThatDisagreesOnAnOverLengthText() {
        // the exported graph answers like the candidate except on texts longer than its parity sample's
        ScriptedTrainer trainer = new ScriptedTrainer(EnumSet.noneOf(Split.class));
        trainer.exportFlipsLongTexts = true;

        RunOutcome outcome = run(trainer, new ScriptedDataset(30, true));

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(outcome.reasons()).anyMatch(r -> r.contains("the exported ONNX model disagrees with the trained"));
        assertThat(registry.live(MODEL)).isEmpty();
    }

    private RunOutcome run(ScriptedTrainer trainer) {
        return run(trainer, new ScriptedDataset(10, false));
    }

    private RunOutcome run(ScriptedTrainer trainer, ScriptedDataset dataset) {
        FileSystemArtifactStore store = store();
        var settings = new TrainingRun.Settings(
                MODEL,
                "test",
                tmp.resolve("work"),
                new TrainingSettings("auto", 1, 8, 5e-5, 32, Truncation.HEAD, Optional.of(2), "cpu", 42, "minilm", 1),
                false,
                2,
                2,
                1e-3,
                new ValidationGate.Rules(0.05, 0.5, 0.3, 0.0));
        var services = new TrainingRun.Services(
                dataset,
                registry,
                registry,
                new VersionAllocator(registry, store),
                store,
                SIGNER,
                new ChampionLoader(store, new ArtifactVerifier(SIGNER), tmp.resolve("champions")),
                trainer,
                events::add,
                Clock.systemUTC());
        var progress = new ProgressReporter(MODEL, "test", events::add, Clock.systemUTC(), Duration.ofSeconds(5));
        return new TrainingRun(settings, services, progress)
                .run("run-" + System.nanoTime(), "test", new RunCancellation());
    }

    private FileSystemArtifactStore store() {
        return new FileSystemArtifactStore(tmp.resolve("store"));
    }

    /** Text of an example: its label and split are in it, for the scripted model to read. */
    private static String text(String label, Split split, int i) {
        return label + " " + split.name() + " " + i;
    }

    /** A spam validation text longer than the others, last in its split. */
    private static final String LONG_TEXT = text("spam", Split.VALIDATION, 999) + " and on".repeat(30);

    /** {@code perLabel} examples of each label in each split, and {@link #LONG_TEXT} at the end of validation. */
    private static final class ScriptedDataset implements DatasetAccess {

        private final int perLabel;
        private final boolean longText;

        ScriptedDataset(int perLabel, boolean longText) {
            this.perLabel = perLabel;
            this.longText = longText;
        }

        @Override
        public DatasetSnapshot snapshot() {
            Map<Split, List<DatasetEntry>> entries = new EnumMap<>(Split.class);
            long offset = 0;
            for (Split split : Split.values()) {
                for (int i = 0; i < perLabel; i++) {
                    for (String label : LABELS) {
                        var example = new LabeledExample(
                                0, split + "-" + label + "-" + i, text(label, split, i), label, null, Instant.EPOCH);
                        entries.computeIfAbsent(split, s -> new ArrayList<>())
                                .add(new DatasetEntry(example, split, 0, offset++, Instant.EPOCH));
                    }
                }
            }
            if (longText) {
                var example = new LabeledExample(0, "long", LONG_TEXT, "spam", null, Instant.EPOCH);
                entries.get(Split.VALIDATION)
                        .add(new DatasetEntry(example, Split.VALIDATION, 0, offset++, Instant.EPOCH));
            }
            return new DatasetSnapshot(
                    Instant.now(),
                    entries,
                    List.of(new OffsetRange("streamtune.examples", 0, 0, offset - 1)),
                    offset,
                    Map.of());
        }

        @Override
        public Set<String> deleted(Collection<String> ids) {
            return Set.of();
        }
    }

    /**
     * Trains nothing: hands out a model that is wrong exactly on the splits given; an exported one loaded back records the
     * texts it is asked about, and can be told to answer wrongly on long texts.
     */
    private static final class ScriptedTrainer implements ModelTrainer {

        private static final String FLIP_LONG = "FLIP_LONG";

        private final Set<Split> wrongOn;
        final List<String> exportedAsked = new CopyOnWriteArrayList<>();
        boolean exportFlipsLongTexts;

        ScriptedTrainer(Set<Split> wrongOn) {
            this.wrongOn = wrongOn;
        }

        @Override
        public CandidateModel train(TrainingJob job, TrainingListener listener, RunCancellation cancellation) {
            return new ScriptedModel(wrongOn, exportFlipsLongTexts ? FLIP_LONG : null, null);
        }

        @Override
        public Classifier load(Path artifactDir, ModelManifest manifest) throws IOException {
            String script = Files.readString(artifactDir.resolve("model.onnx"));
            Set<Split> wrong = EnumSet.noneOf(Split.class);
            boolean flipLong = false;
            for (String s : script.split(",")) {
                if (s.equals(FLIP_LONG)) {
                    flipLong = true;
                } else if (!s.isBlank()) {
                    wrong.add(Split.valueOf(s)); // a tampered file fails here, as a broken ONNX model would
                }
            }
            return new ScriptedModel(wrong, flipLong ? FLIP_LONG : null, exportedAsked);
        }
    }

    private static final class ScriptedModel implements CandidateModel {

        private final Set<Split> wrongOn;
        /** Written into the export: the exported model then answers wrongly on long texts. */
        private final String exportFlag;
        /** Where a loaded (exported) model records the texts it is asked about; null for a candidate. */
        private final List<String> asked;

        ScriptedModel(Set<Split> wrongOn, String exportFlag, List<String> asked) {
            this.wrongOn = wrongOn;
            this.exportFlag = exportFlag;
            this.asked = asked;
        }

        @Override
        public List<String> labels() {
            return LABELS;
        }

        @Override
        public List<double[]> predict(List<String> texts) {
            List<double[]> out = new ArrayList<>();
            if (asked != null) {
                asked.addAll(texts);
            }
            for (String text : texts) {
                String[] parts = text.split(" ");
                boolean right = !wrongOn.contains(Split.valueOf(parts[1]))
                        && !(asked != null && exportFlag != null && text.length() > 100);
                boolean ham = parts[0].equals("ham") == right;
                out.add(ham ? new double[] {0.9, 0.1} : new double[] {0.1, 0.9});
            }
            return out;
        }

        @Override
        public void export(Path dir) throws IOException {
            List<String> script =
                    new ArrayList<>(wrongOn.stream().map(Split::name).toList());
            if (exportFlag != null) {
                script.add(exportFlag);
            }
            Files.writeString(dir.resolve("model.onnx"), String.join(",", script), StandardCharsets.UTF_8);
            try (InputStream in = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
                Files.copy(in, dir.resolve("tokenizer.json"));
            }
        }

        @Override
        public String baseModel() {
            return "scripted";
        }

        @Override
        public int maxLength() {
            return 32;
        }

        @Override
        public Truncation truncation() {
            return Truncation.HEAD;
        }

        @Override
        public Pooling pooling() {
            return Pooling.MEAN;
        }

        @Override
        public Map<String, Object> hyperParameters() {
            return Map.of();
        }

        @Override
        public void close() {}
    }

    /** The models topic as a list: the latest LIVE record is live. */
    private static final class InMemoryRegistry implements RegistryView, RegistryWriter {

        final List<ModelRegistryEvent> records = new CopyOnWriteArrayList<>();

        @Override
        public void write(List<ModelRegistryEvent> events) {
            records.addAll(events);
        }

        @Override
        public Optional<ModelRegistryEvent> live(String model) {
            return records.stream()
                    .filter(r -> r.name().equals(model) && r.status() == RegistryStatus.LIVE)
                    .reduce((a, b) -> b);
        }

        @Override
        public List<ModelRegistryEvent> versions(String model) {
            return records.stream()
                    .filter(r -> r.name().equals(model) && r.status() != RegistryStatus.LIVE)
                    .toList();
        }
    }
}
