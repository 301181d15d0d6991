package dev.streamtune.common;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.AuditEvent;
import dev.streamtune.common.event.DriftEvent;
import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.ReviewItem;
import dev.streamtune.common.event.SourceRef;
import dev.streamtune.common.event.SwapEvent;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.event.TrainingEpochEvent;
import dev.streamtune.common.event.TrainingProgressEvent;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.model.ArtifactFile;
import dev.streamtune.common.model.ClassMetrics;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.Histogram;
import dev.streamtune.common.model.ManifestSignature;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.OffsetRange;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.model.TrainingLineage;
import dev.streamtune.common.tokenizer.Truncation;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fully populated sample values of every Streamtune record, for contract tests here and in the services. */
public final class Samples {

    public static final Instant TS = Instant.parse("2026-11-26T10:15:30.123Z");
    public static final String SHA = "a".repeat(64);

    private Samples() {}

    public static LabeledExample labeledExample() {
        return new LabeledExample(1, "ex-1", "Win a free cruise now!", "spam", "support-desk", TS);
    }

    public static TextInput textInput() {
        return new TextInput(1, "t-1", "Is my invoice paid?", Map.of("channel", "email"));
    }

    public static Prediction prediction() {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("ham", 0.9);
        scores.put("spam", 0.1);
        return new Prediction(
                1, "t-1", "ham", 0.9, scores, "support", 3, 12, TS, new SourceRef("streamtune.texts", 0, 42));
    }

    public static ReviewItem reviewItem() {
        return new ReviewItem(1, prediction(), "Is my invoice paid?", Map.of("channel", "email"), 0.95);
    }

    public static TrainerCommand trainerCommand() {
        return new TrainerCommand(1, TrainerCommand.Type.PROMOTE, "support", 2L, "ops@example.com", "rollback", TS);
    }

    public static ClassificationMetrics metrics() {
        Map<String, ClassMetrics> perClass = new LinkedHashMap<>();
        perClass.put("ham", new ClassMetrics(0.95, 0.97, 0.96, 70));
        perClass.put("spam", new ClassMetrics(0.93, 0.88, 0.904, 30));
        return new ClassificationMetrics(
                100,
                0.94,
                0.932,
                0.21,
                0.03,
                List.of("ham", "spam"),
                perClass,
                List.of(List.of(68L, 2L), List.of(4L, 26L)));
    }

    public static ModelManifest manifest() {
        Histogram confidence = new Histogram(List.of(0.0, 0.5, 0.75, 1.0), List.of(0.1, 0.2, 0.7));
        Histogram tokens = new Histogram(List.of(0.0, 16.0, 64.0, 128.0), List.of(0.3, 0.5, 0.2));
        Map<String, Double> prior = new LinkedHashMap<>();
        prior.put("ham", 0.7);
        prior.put("spam", 0.3);
        Map<String, Object> hyper = new LinkedHashMap<>();
        hyper.put("epochs", 3);
        hyper.put("learningRate", 3.0e-5);
        hyper.put("strategy", "full");
        return new ModelManifest(
                1,
                "support",
                3,
                "all-minilm-l6-v2",
                List.of("ham", "spam"),
                128,
                Pooling.MEAN,
                ModelManifest.FORMAT_ONNX,
                Map.of(
                        "model.onnx",
                        new ArtifactFile(SHA, 1000),
                        "model-int8.onnx",
                        new ArtifactFile(SHA, 400),
                        "tokenizer.json",
                        new ArtifactFile(SHA, 10)),
                metrics(),
                metrics(),
                new TrainingLineage(
                        "run-7",
                        TS,
                        List.of(new OffsetRange("streamtune.examples", 0, 0, 999)),
                        Map.of("train", 800L, "validation", 100L, "test", 100L),
                        Map.of("train", Map.of("ham", 560L, "spam", 240L)),
                        2L,
                        TrainingLineage.LANE_FAST),
                new DriftBaselines(prior, confidence, tokens, 0.91, 0.22, 48.5, 0.001, 100),
                List.of(new SelfCheck("free money", List.of(0.1, 0.9))),
                hyper,
                TS,
                Map.of(
                        ModelVariant.INT8,
                        new ModelVariant(
                                "model-int8.onnx",
                                "dynamic-int8 per-channel symmetric |q|<=63",
                                metrics(),
                                0.004,
                                1.0,
                                List.of(new SelfCheck("free money", List.of(0.11, 0.89))))),
                Truncation.HEAD_TAIL);
    }

    public static ModelRegistryEvent registryEvent() {
        return new ModelRegistryEvent(
                1,
                "support",
                3,
                RegistryStatus.LIVE,
                "file:///models/support/v3/",
                SHA,
                new ManifestSignature("HmacSHA256", "k1", "c2lnbmF0dXJl"),
                manifest(),
                false,
                List.of(),
                TS);
    }

    public static List<MonitoringEvent> monitoringEvents() {
        return List.of(
                new TrainingProgressEvent(
                        1, "support", "trainer-0", TS, "run-7", "training", 1, 3, 120, 300, 0.41, 14.2, 95.0, null),
                new ValidationEvent(
                        1,
                        "support",
                        "trainer-0",
                        TS,
                        "run-7",
                        4,
                        3L,
                        false,
                        List.of("macro-F1 0.80 is below the champion's 0.93 minus tolerance 0.01"),
                        metrics(),
                        metrics(),
                        metrics(),
                        metrics()),
                new SwapEvent(1, "support", "inference-0", TS, 2L, 3, 850, false),
                new DriftEvent(
                        1,
                        "support",
                        "inference-0",
                        TS,
                        3,
                        TS.minusSeconds(60),
                        TS,
                        500,
                        0.31,
                        Map.of("ham", 0.4, "spam", 0.6),
                        0.8,
                        0.91,
                        0.4,
                        0.22,
                        52.0,
                        48.5,
                        0.05,
                        0.002,
                        0.001,
                        0.12,
                        true),
                new AlertEvent(
                        1,
                        "support",
                        "inference-0",
                        TS,
                        3L,
                        "drift",
                        "warning",
                        "label PSI above 0.2 for 3 windows",
                        TS.minusSeconds(300)),
                new ErrorEvent(1, "support", "inference-0", TS, 4L, "hot-swap", "bad signature on manifest.json"),
                new AuditEvent(
                        1,
                        "support",
                        "trainer-0",
                        TS,
                        "alice",
                        "rollback",
                        2L,
                        3L,
                        AuditEvent.ACCEPTED,
                        "bad predictions",
                        "rollback to v2 (was v3)"),
                new TrainingEpochEvent(
                        1, "support", "trainer-0", TS, "run-7", 1, 3, 0.52, 0.81, 0.47, 0.84, 0.83, 41.5));
    }
}
