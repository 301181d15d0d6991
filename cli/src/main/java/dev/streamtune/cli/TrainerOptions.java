package dev.streamtune.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How to reach the trainer's REST API: its URL and a bearer token (README "Security"). */
public final class TrainerOptions {

    @Option(
            names = "--trainer-url",
            defaultValue = "${env:STREAMTUNE_TRAINER_URL:-http://localhost:8080}",
            description = "The trainer's API (env STREAMTUNE_TRAINER_URL; default ${DEFAULT-VALUE}).")
    String url;

    @Option(
            names = "--token",
            defaultValue = "${env:STREAMTUNE_TOKEN}",
            description = "Bearer token (JWT) with the viewer or operator role; env STREAMTUNE_TOKEN.")
    String token;

    @Option(
            names = "--token-file",
            defaultValue = "${env:STREAMTUNE_TOKEN_FILE}",
            description = "File holding the token (e.g. a mounted secret); env STREAMTUNE_TOKEN_FILE.")
    Path tokenFile;

    String token() {
        if (token != null && !token.isBlank()) {
            return token.strip();
        }
        if (tokenFile != null) {
            try {
                return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read the token file " + tokenFile + ": " + e);
            }
        }
        return null;
    }
}
