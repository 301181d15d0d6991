package dev.streamtune.kafka.quarkus;

import dev.streamtune.kafka.token.DevTokenIssuer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Quarkus test resource that generates an RSA key pair for the test run, makes the application trust its public key
 * ({@code mp.jwt.verify.publickey.location}; issuer and audience stay the services' defaults) and injects a
 * {@link DevTokenIssuer} with the private key into fields marked {@link InjectTokenIssuer}. No key is kept.
 */
public class JwtTestResource implements QuarkusTestResourceLifecycleManager {

    private Path dir;
    private DevTokenIssuer issuer;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("streamtune-jwt-");
            KeyPair keys = DevTokenIssuer.generateKeyPair();
            DevTokenIssuer.writeKeyPair(keys, dir);
            issuer = DevTokenIssuer.withDefaults(keys.getPrivate());
            return Map.of(
                    "mp.jwt.verify.publickey.location",
                    dir.resolve(DevTokenIssuer.PUBLIC_KEY_FILE).toUri().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                issuer, new TestInjector.AnnotatedAndMatchesType(InjectTokenIssuer.class, DevTokenIssuer.class));
    }

    @Override
    public void stop() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
