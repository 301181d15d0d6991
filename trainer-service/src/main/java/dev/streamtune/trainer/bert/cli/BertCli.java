package dev.streamtune.trainer.bert.cli;

import dev.streamtune.trainer.bert.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Command line of the BERT library: {@code fine-tune}, {@code evaluate}, {@code bench} and {@code spamassassin}.
 * Logs go to stderr; commands that report print one JSON object as the last line of stdout.
 */
@Command(
        name = "streamtune-bert",
        mixinStandardHelpOptions = true,
        version = "streamtune-bert 0.1",
        description = "Fine-tune, evaluate and benchmark Streamtune's BERT classifier (DJL PyTorch / ONNX Runtime).",
        subcommands = {
            FineTuneCommand.class,
            EvaluateCommand.class,
            BenchCommand.class,
            SpamAssassinCommand.class,
            CommandLine.HelpCommand.class
        })
public final class BertCli {

    public static void main(String[] args) {
        System.exit(new CommandLine(new BertCli()).execute(args));
    }
}
