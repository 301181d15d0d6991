package dev.streamtune.cli;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code streamtune} command: what users do with a Streamtune deployment from a terminal or a script. */
@Command(
        name = "streamtune",
        mixinStandardHelpOptions = true,
        version = "streamtune 0.1.0",
        subcommands = {
            ExamplesCommand.class,
            TextsCommand.class,
            TailCommands.Predictions.class,
            TailCommands.Review.class,
            TailCommands.Monitoring.class,
            TailCommands.Dlq.class,
            ModelsCommand.class,
            CommandLine.HelpCommand.class
        },
        description = "Send labeled examples and texts to Streamtune, follow its predictions, monitoring, review queue"
                + " and dead letters, list, train, promote and roll back models.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:unexpected failure",
            "2:bad option, argument or input file",
            "3:no Kafka broker (or trainer) answered within --timeout",
            "4:the topic does not exist",
            "5:authentication or authorization refused (SASL/TLS, ACL, HTTP 401/403)",
            "6:refused: unknown version or example id, conflict (HTTP 404/409/503/504)",
            "7:some input records were invalid and not sent (the valid ones were)"
        })
public final class StreamtuneCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static boolean verbose;

    @Option(
            names = {"-v", "--verbose"},
            scope = ScopeType.INHERIT,
            description = "Show the Kafka clients' logs and stack traces on stderr.")
    void setVerbose(boolean on) {
        verbose = on;
        if (on) {
            configureLogging(true);
        }
    }

    public static void main(String[] args) {
        configureLogging(false);
        System.exit(commandLine().execute(args));
    }

    /** The command with its error handling: one line on stderr and the exit code of {@link ExitCodes}. */
    public static CommandLine commandLine() {
        var cmd = new CommandLine(new StreamtuneCli());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setExecutionExceptionHandler((e, command, parseResult) -> {
            var err = command.getErr();
            if (e instanceof CliException cli) {
                err.println("streamtune: " + cli.getMessage());
                if (verbose && cli.getCause() != null) {
                    cli.getCause().printStackTrace(err);
                }
                err.flush();
                return cli.exitCode();
            }
            err.println("streamtune: " + e);
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.FAILED;
        });
        return cmd;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Kafka's client logs (slf4j, into JBoss LogManager) would drown the command's own messages: off unless -v. */
    static void configureLogging(boolean on) {
        Logger root = LogContext.getSystemLogContext().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        if (on) {
            root.addHandler(new ConsoleHandler(
                    ConsoleHandler.Target.SYSTEM_ERR, new PatternFormatter("%d{HH:mm:ss,SSS} %-5p [%c{1.}] %s%e%n")));
        }
        root.setLevel(on ? Level.INFO : Level.OFF);
    }
}
