package dev.streamtune.trainer.bert.cli;

import dev.streamtune.common.model.ManifestSigner;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The HMAC key options every command that signs or verifies an artifact takes (a picocli mixin). */
final class SigningOptions {

    @Option(names = "--signing-key-file", description = "File holding the HMAC secret (>= 32 bytes).")
    Path keyFile;

    @Option(
            names = "--signing-key-env",
            defaultValue = SigningKeys.DEFAULT_ENV,
            description = "Environment variable holding the HMAC secret (default ${DEFAULT-VALUE}).")
    String keyEnv;

    @Option(names = "--key-id", defaultValue = "dev", description = "Signing key id (default ${DEFAULT-VALUE}).")
    String keyId;

    /** The signer for the artifact at {@code artifactDir} (its development key when no key is given). */
    ManifestSigner signer(Path artifactDir) {
        return SigningKeys.resolve(keyFile, keyEnv, keyId, artifactDir);
    }
}
