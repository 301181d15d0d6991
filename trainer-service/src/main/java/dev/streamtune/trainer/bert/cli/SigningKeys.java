package dev.streamtune.trainer.bert.cli;

import dev.streamtune.common.model.ManifestSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.jboss.logging.Logger;

/**
 * The HMAC key artifacts are signed with: from a file, else from an environment variable, else a development key
 * generated once next to the output directory (never inside it) with a warning. Unsigned artifacts do not exist.
 */
final class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    static final String DEFAULT_ENV = "STREAMTUNE_SIGNING_KEY";

    private SigningKeys() {}

    static ManifestSigner resolve(Path keyFile, String envVar, String keyId, Path outputDir) {
        if (keyFile != null) {
            return ManifestSigner.hmac(keyId, read(keyFile));
        }
        String env = System.getenv(envVar == null ? DEFAULT_ENV : envVar);
        if (env != null && !env.isBlank()) {
            return ManifestSigner.hmac(keyId, env.strip());
        }
        Path devKey = devKeyFile(outputDir);
        if (!Files.isRegularFile(devKey)) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            try {
                Files.createDirectories(devKey.toAbsolutePath().getParent());
                Files.writeString(devKey, Base64.getEncoder().encodeToString(secret), StandardCharsets.UTF_8);
                try {
                    Files.setPosixFilePermissions(devKey, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // best effort on non-POSIX file systems
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write development signing key " + devKey, e);
            }
        }
        LOG.warnf(
                "no signing key given (--signing-key-file or $%s): signing with the DEVELOPMENT key %s (key id '%s');"
                        + " services must be given the same key to accept this artifact; use a real secret in"
                        + " production",
                envVar == null ? DEFAULT_ENV : envVar, devKey, keyId);
        return ManifestSigner.hmac(keyId, read(devKey));
    }

    static Path devKeyFile(Path outputDir) {
        Path absolute = outputDir.toAbsolutePath().normalize();
        return absolute.resolveSibling(absolute.getFileName() + ".dev-signing-key");
    }

    private static String read(Path file) {
        try {
            String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("signing key file " + file + " is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read signing key " + file, e);
        }
    }
}
