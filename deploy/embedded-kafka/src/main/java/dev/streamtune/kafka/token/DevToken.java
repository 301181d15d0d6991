package dev.streamtune.kafka.token;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Development bearer tokens from the command line: {@code keys} makes a key pair, {@code mint} prints a token signed
 * with its private key. The services trust the public key through {@code mp.jwt.verify.publickey.location}.
 */
@Command(
        name = "streamtune-dev-token",
        mixinStandardHelpOptions = true,
        subcommands = {DevToken.Keys.class, DevToken.Mint.class},
        description = "Development key pair and bearer tokens for the Streamtune services (not for production).")
public final class DevToken implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new DevToken()).execute(args));
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    @Command(
            name = "keys",
            mixinStandardHelpOptions = true,
            description = "Writes a new RSA key pair (PEM) into a directory.")
    static final class Keys implements Callable<Integer> {

        @Option(names = "--dir", required = true, description = "Directory for jwt-private.pem and jwt-public.pem.")
        Path dir;

        @Option(names = "--keep", description = "Keep an existing key pair instead of replacing it.")
        boolean keep;

        @Override
        public Integer call() throws Exception {
            if (keep && Files.exists(dir.resolve(DevTokenIssuer.PRIVATE_KEY_FILE))) {
                System.err.println("keeping the key pair in " + dir);
                return 0;
            }
            DevTokenIssuer.writeKeyPair(DevTokenIssuer.generateKeyPair(), dir);
            System.err.println("wrote " + dir.resolve(DevTokenIssuer.PRIVATE_KEY_FILE) + " and "
                    + dir.resolve(DevTokenIssuer.PUBLIC_KEY_FILE));
            return 0;
        }
    }

    @Command(
            name = "mint",
            mixinStandardHelpOptions = true,
            description = "Prints a signed token (only the token, on stdout).")
    static final class Mint implements Callable<Integer> {

        @Option(names = "--key", required = true, description = "The private key (jwt-private.pem).")
        Path key;

        @Option(names = "--subject", required = true, description = "Who the token speaks for (sub).")
        String subject;

        @Option(
                names = "--groups",
                split = ",",
                required = true,
                description = "Roles, comma-separated: operator, viewer, client (or your mapped group names).")
        List<String> groups;

        @Option(
                names = "--issuer",
                defaultValue = DevTokenIssuer.DEFAULT_ISSUER,
                description = "iss (default ${DEFAULT-VALUE}).")
        String issuer;

        @Option(
                names = "--audience",
                defaultValue = DevTokenIssuer.DEFAULT_AUDIENCE,
                description = "aud (default ${DEFAULT-VALUE}).")
        String audience;

        @Option(names = "--ttl", defaultValue = "PT8H", description = "Lifetime, ISO-8601 (default ${DEFAULT-VALUE}).")
        Duration ttl;

        @Override
        public Integer call() throws Exception {
            var issuerOfToken = new DevTokenIssuer(DevTokenIssuer.readPrivateKey(key), issuer, audience);
            System.out.println(issuerOfToken.mint(subject, ttl, groups.toArray(String[]::new)));
            return 0;
        }
    }
}
