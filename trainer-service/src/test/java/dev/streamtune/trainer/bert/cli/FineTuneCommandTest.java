package dev.streamtune.trainer.bert.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.trainer.bert.TestData;
import dev.streamtune.trainer.bert.dataset.JsonlDatasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line end to end on a tiny Hugging Face checkpoint the test writes. */
class FineTuneCommandTest {

    static final String SECRET = "a-test-secret-that-is-long-enough-0123";

    @TempDir
    Path dir;

    Path checkpoint;
    Path train;
    Path test;

    @BeforeEach
    void writeData() throws Exception {
        checkpoint = dir.resolve("checkpoint");
        TestData.writeHuggingFaceCheckpoint(checkpoint, BertWeights.random(TestData.tinyConfig(), 1), null, null);
        train = dir.resolve("train.jsonl");
        test = dir.resolve("test.jsonl");
        JsonlDatasets.write(train, TestData.topics(48, 5));
        JsonlDatasets.write(test, TestData.topics(20, 6));
    }

    @Test
    void shouldFineTuneWriteASignedArtifactAndPrintTheEvaluationAsOneJsonLine() throws Exception {
        Path key = dir.resolve("key");
        Files.writeString(key, SECRET);
        Path output = dir.resolve("model");
        Run run = execute(
                "fine-tune",
                "--train",
                train.toString(),
                "--test",
                test.toString(),
                "--output",
                output.toString(),
                "--base-model",
                "hf:" + checkpoint,
                "--strategy",
                "FULL",
                "--epochs",
                "2",
                "--batch-size",
                "8",
                "--lr",
                "1e-3",
                "--max-length",
                "24",
                "--device",
                "cpu",
                "--signing-key-file",
                key.toString(),
                "--key-id",
                "ci");
        assertThat(run.exitCode).as(run.stderr).isZero();
        JsonNode report = run.lastLine();
        assertThat(report.path("strategy").asText()).isEqualTo("FULL");
        assertThat(report.path("history")).hasSize(2);
        assertThat(report.path("testExamples").asInt()).isEqualTo(20);
        assertThat(report.path("test").path("accuracy").isNumber()).isTrue();
        assertThat(report.path("test").path("confusion")).hasSize(2);
        assertThat(report.path("parityMaxAbsDiff").asDouble()).isLessThanOrEqualTo(1e-4);

        ManifestSigner signer = ManifestSigner.hmac("ci", SECRET);
        var manifest = new ArtifactVerifier(signer)
                .verify(output, report.path("manifestSha256").asText());
        assertThat(manifest.labels()).containsExactly("cooking", "sports");
        assertThat(manifest.testMetrics().accuracy())
                .isEqualTo(report.path("test").path("accuracy").asDouble());
        assertThat(manifest.hyperParameters()).containsEntry("strategyUsed", "FULL");
        assertThat(manifest.variants().get("int8").testMetrics().accuracy())
                .isEqualTo(report.path("int8Test").path("accuracy").asDouble());
        assertThat(report.path("int8AccuracyDropPoints").isNumber()).isTrue();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("staging"));
        }

        Run evaluation = execute(
                "evaluate",
                "--model",
                output.toString(),
                "--test",
                test.toString(),
                "--signing-key-file",
                key.toString(),
                "--key-id",
                "ci");
        assertThat(evaluation.exitCode).as(evaluation.stderr).isZero();
        assertThat(evaluation.lastLine().path("test").path("accuracy").asDouble())
                .isEqualTo(report.path("test").path("accuracy").asDouble());
    }

    @Test
    void shouldSignWithAGeneratedDevelopmentKeyWhenNoneIsGiven() throws Exception {
        Path output = dir.resolve("dev-model");
        Run run = execute(
                "fine-tune",
                "--train",
                train.toString(),
                "--output",
                output.toString(),
                "--base-model",
                "hf:" + checkpoint,
                "--strategy",
                "HEAD_ONLY",
                "--max-length",
                "24",
                "--device",
                "cpu",
                "--signing-key-env",
                "STREAMTUNE_TEST_KEY_THAT_IS_NOT_SET");
        assertThat(run.exitCode).as(run.stderr).isZero();
        Path devKey = SigningKeys.devKeyFile(output);
        assertThat(devKey).exists();
        assertThat(output.resolve("manifest.sig")).exists();
        ManifestSigner signer =
                ManifestSigner.hmac("dev", Files.readString(devKey).strip());
        assertThat(new ArtifactVerifier(signer).verify(output, null).name()).isEqualTo("streamtune-bert");
    }

    @Test
    void shouldFailWithTheBadLineOfAMalformedTrainingFile() throws Exception {
        Files.writeString(train, "{\"text\": \"fine\", \"label\": \"a\"}\n{\"text\": 3}\n");
        Run run = execute(
                "fine-tune",
                "--train",
                train.toString(),
                "--output",
                dir.resolve("x").toString());
        assertThat(run.exitCode).isNotZero();
        assertThat(run.stderr).contains("train.jsonl:2");
    }

    private static Run execute(String... args) {
        PrintStream originalOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cli = new CommandLine(new BertCli());
            cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
            code = cli.execute(args);
        } finally {
            System.setOut(originalOut);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Run(int exitCode, String stdout, String stderr) {
        JsonNode lastLine() throws Exception {
            List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).isNotEmpty();
            return Json.mapper().readTree(lines.get(lines.size() - 1));
        }
    }
}
