package dev.streamtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Model versions: {@code list} reads the registry topic; the others ask the trainer's REST API. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "Model versions: list them, ask for a training run, promote, roll back, trainer status.",
        subcommands = {
            ModelsCommand.ListVersions.class,
            ModelsCommand.Train.class,
            ModelsCommand.Promote.class,
            ModelsCommand.Rollback.class,
            ModelsCommand.Status.class
        })
final class ModelsCommand {

    private ModelsCommand() {}

    /** One version as {@code models list} shows it. */
    record Row(
            String model,
            long version,
            RegistryStatus status,
            boolean live,
            boolean rollback,
            Double validationMacroF1,
            Double validationAccuracy,
            Double testMacroF1,
            Double testAccuracy,
            Instant createdAt,
            String uri,
            List<String> reasons) {

        static Row of(ModelRegistryEvent e, boolean live, boolean rollback) {
            ClassificationMetrics val =
                    e.manifest() == null ? null : e.manifest().validationMetrics();
            ClassificationMetrics test =
                    e.manifest() == null ? null : e.manifest().testMetrics();
            return new Row(
                    e.name(),
                    e.version(),
                    e.status() == RegistryStatus.LIVE ? RegistryStatus.PUBLISHED : e.status(),
                    live,
                    rollback,
                    val == null ? null : val.macroF1(),
                    val == null ? null : val.accuracy(),
                    test == null ? null : test.macroF1(),
                    test == null ? null : test.accuracy(),
                    e.manifest() == null ? null : e.manifest().createdAt(),
                    e.uri(),
                    e.reasons());
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Every version on the models topic (the registry), published or rejected, its metrics, and"
                    + " which one is LIVE.")
    static final class ListVersions implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--model", description = "Only this model name.")
        String model;

        @Option(names = "--json", description = "A JSON array instead of columns.")
        boolean json;

        @Override
        public Integer call() {
            List<Row> rows = read();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.writeString(rows));
            } else {
                out.println(String.format(
                        "%-24s  %7s  %-9s  %-4s  %7s  %7s  %7s  %7s  %-20s  %s",
                        "MODEL",
                        "VERSION",
                        "STATUS",
                        "LIVE",
                        "VAL_F1",
                        "VAL_ACC",
                        "TEST_F1",
                        "TEST_ACC",
                        "CREATED",
                        "REASONS"));
                for (Row r : rows) {
                    out.println(String.format(
                            "%-24s  %7d  %-9s  %-4s  %7s  %7s  %7s  %7s  %-20s  %s",
                            r.model(),
                            r.version(),
                            r.status(),
                            r.live() ? (r.rollback() ? "LIVE (rollback)" : "LIVE") : "",
                            num(r.validationMacroF1()),
                            num(r.validationAccuracy()),
                            num(r.testMacroF1()),
                            num(r.testAccuracy()),
                            r.createdAt() == null
                                    ? ""
                                    : r.createdAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                            String.join("; ", r.reasons())));
                }
            }
            out.flush();
            return ExitCodes.OK;
        }

        private List<Row> read() {
            Topic<String, ModelRegistryEvent> topic = kafka.topic(StreamtuneTopics.MODELS);
            Map<String, Map<Long, ModelRegistryEvent>> versions = new TreeMap<>();
            Map<String, ModelRegistryEvent> live = new HashMap<>();
            try (var connection = new KafkaConnection(kafka)) {
                var partitions = connection.requireTopic(topic.name());
                try (var consumer = connection.consumer()) {
                    TopicReader.readToEnd(consumer, partitions, r -> {
                        String key = r.key() == null ? null : TailCommands.utf8(r.key());
                        ModelRegistryEvent e;
                        try {
                            e = topic.valueSerde().deserializer().deserialize(topic.name(), r.value());
                        } catch (SerializationException bad) {
                            spec.commandLine()
                                    .getErr()
                                    .println("skipped models/" + r.partition() + "@" + r.offset() + ": "
                                            + bad.getMessage());
                            return;
                        }
                        if (e == null) {
                            return; // a deleted version or model
                        }
                        if (model != null && !model.equals(e.name())) {
                            return;
                        }
                        if (e.status() == RegistryStatus.LIVE
                                && ModelRegistryEvent.liveKey(e.name()).equals(key)) {
                            live.put(e.name(), e);
                        } else {
                            versions.computeIfAbsent(e.name(), n -> new TreeMap<>())
                                    .put(e.version(), e);
                        }
                    });
                } catch (KafkaException e) {
                    throw connection.translate(e, topic.name());
                }
            }
            live.forEach((name, e) ->
                    versions.computeIfAbsent(name, n -> new TreeMap<>()).putIfAbsent(e.version(), e));
            var rows = new ArrayList<Row>();
            versions.forEach((name, byVersion) -> {
                ModelRegistryEvent liveRecord = live.get(name);
                byVersion.values().forEach(e -> {
                    boolean isLive = liveRecord != null && liveRecord.version() == e.version();
                    rows.add(Row.of(e, isLive, isLive && liveRecord.rollback()));
                });
            });
            rows.sort(Comparator.comparing(Row::model).thenComparing(Row::version));
            return rows;
        }

        private static String num(Double d) {
            return d == null ? "-" : String.format("%.4f", d);
        }
    }

    /** Shared by the REST subcommands. */
    abstract static class TrainerCall implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        TrainerOptions trainer;

        @Option(
                names = "--timeout",
                defaultValue = "${env:STREAMTUNE_TIMEOUT:-15s}",
                converter = DurationConverter.class,
                description = "How long to wait for the trainer (default ${DEFAULT-VALUE}).")
        java.time.Duration timeout;

        @Option(names = "--json", description = "Print the trainer's JSON answer as it is.")
        boolean json;

        TrainerClient client() {
            return new TrainerClient(trainer, timeout);
        }

        void print(JsonNode answer, String summary) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(json ? answer.toString() : summary);
            out.flush();
        }

        static Map<String, Object> reason(String reason) {
            var body = new LinkedHashMap<String, Object>();
            if (reason != null) {
                body.put("reason", reason);
            }
            return body;
        }
    }

    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            description = "Asks the trainer for a training run (operator role); it starts when no other run is going.")
    static final class Train extends TrainerCall {

        @Option(names = "--reason", description = "Why, for the audit trail.")
        String reason;

        @Override
        public Integer call() {
            JsonNode answer = client().post("/trainer/train", reason(reason));
            print(answer, "training requested: " + answer);
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "promote",
            mixinStandardHelpOptions = true,
            description = "Makes a published version LIVE (operator role); an older one is a rollback.")
    static final class Promote extends TrainerCall {

        @Parameters(paramLabel = "VERSION", description = "The version to make live.")
        long version;

        @Option(names = "--reason", description = "Why, for the audit trail.")
        String reason;

        @Override
        public Integer call() {
            JsonNode answer = client().post("/trainer/models/" + version + "/promote", reason(reason));
            print(answer, "version " + answer.path("version").asLong(version) + " is LIVE");
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "Makes the newest published version older than the live one LIVE again (operator role).")
    static final class Rollback extends TrainerCall {

        @Option(names = "--reason", description = "Why, for the audit trail.")
        String reason;

        @Override
        public Integer call() {
            JsonNode answer = client().post("/trainer/rollback", reason(reason));
            print(answer, "rolled back: version " + answer.path("version").asText() + " is LIVE");
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "The trainer's status (viewer role): dataset, run in progress, last and next run, champion.")
    static final class Status extends TrainerCall {

        @Override
        public Integer call() {
            JsonNode s = client().get("/trainer/status");
            var lines = new StringBuilder();
            lines.append("model:     ").append(s.path("model").asText()).append('\n');
            lines.append("ready:     ").append(s.path("ready").asBoolean()).append('\n');
            JsonNode dataset = s.path("dataset");
            if (!dataset.isMissingNode() && !dataset.isNull()) {
                lines.append("dataset:   ")
                        .append(dataset.path("examples").asLong())
                        .append(" examples ")
                        .append(dataset.path("perSplit"))
                        .append(", ")
                        .append(dataset.path("unseenChanges").asLong())
                        .append(" changes since the last run, ")
                        .append(dataset.path("rejected").asLong())
                        .append(" rejected\n");
            }
            lines.append("running:   ").append(text(s.path("running"))).append('\n');
            lines.append("progress:  ").append(text(s.path("progress"))).append('\n');
            lines.append("pending:   ").append(text(s.path("pending"))).append('\n');
            lines.append("last run:  ").append(text(s.path("lastRun"))).append('\n');
            lines.append("next run:  ").append(text(s.path("nextRun"))).append('\n');
            JsonNode champion = s.path("champion");
            lines.append("champion:  ")
                    .append(
                            champion.isMissingNode() || champion.isNull()
                                    ? "none"
                                    : "v" + champion.path("version").asLong() + " (validation macro-F1 "
                                            + champion.path("validationMacroF1").asText("-") + ")");
            print(s, lines.toString());
            return ExitCodes.OK;
        }

        private static String text(JsonNode n) {
            return n.isMissingNode() || n.isNull() ? "-" : n.isValueNode() ? n.asText() : n.toString();
        }
    }
}
