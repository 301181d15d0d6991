package dev.streamtune.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.e2e.StrimziAcls.Grant;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.tls.TlsStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;

/**
 * The in-process broker as the installation's Kafka resource describes it: its {@code spec.kafka.config}, simple
 * authorization (Kafka's {@code StandardAuthorizer}, {@code allow.everyone.if.no.acl.found=false}), a SASL_SSL
 * listener with SCRAM-SHA-512; the installation's KafkaTopics; a SCRAM user per given KafkaUser with the ACL bindings
 * its {@code spec.authorization} maps to (those {@code keep} accepts).
 *
 * <p>The only super user is {@code User:ANONYMOUS}: the principal of the PLAINTEXT and controller listeners, which carry
 * the broker's own inter-broker and controller traffic and the test's admin, producers and readers (Strimzi's
 * operators have super-user certificates the same way). The services only ever get the SASL_SSL listener.
 */
final class SecuredKafka implements AutoCloseable {

    static final String SUPER_USER = "User:ANONYMOUS";

    private final EmbeddedKafkaBroker broker;
    private final Map<String, Map<String, String>> secrets;
    private final List<Grant> granted;

    private SecuredKafka(EmbeddedKafkaBroker broker, Map<String, Map<String, String>> secrets, List<Grant> granted) {
        this.broker = broker;
        this.secrets = secrets;
        this.granted = granted;
    }

    /**
     * @param secrets Secrets the cluster's operator would have created (signing keys); the users' and the cluster CA's
     *     are added here, as Strimzi's operators add them
     */
    static SecuredKafka start(
            Installation installation,
            List<ObjectNode> users,
            Predicate<Grant> keep,
            Map<String, Map<String, String>> secrets) {
        if (!installation.simpleAuthorization()) {
            throw new IllegalStateException(installation.name() + ": the Kafka resource has no simple authorization");
        }
        if (!installation.superUsers().isEmpty()) {
            throw new IllegalStateException(installation.name() + ": super users " + installation.superUsers()
                    + " would bypass the ACLs under test");
        }
        var builder = EmbeddedKafkaBroker.builder().optSasl(true).optCreateTopics(false);
        installation.brokerConfig().forEach(builder::optBrokerProperty);
        builder.optBrokerProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .optBrokerProperty("allow.everyone.if.no.acl.found", "false")
                .optBrokerProperty("super.users", SUPER_USER);

        var allSecrets = new LinkedHashMap<String, Map<String, String>>(secrets);
        var grants = new ArrayList<Grant>();
        for (ObjectNode user : users) {
            String name = StrimziAcls.name(user);
            String password = randomSecret();
            StrimziAcls.principal(user); // SCRAM only
            builder.optScramUser(name, password);
            // the Secret Strimzi's user operator writes for a SCRAM-SHA-512 user
            allSecrets.put(
                    name,
                    Map.of(
                            "password",
                            password,
                            "sasl.jaas.config",
                            EmbeddedKafkaBroker.scramJaasConfig(name, password)));
            StrimziAcls.grants(user).stream().filter(keep).forEach(grants::add);
        }
        EmbeddedKafkaBroker broker = builder.start();
        try {
            String cluster =
                    installation.ofKind("Kafka").get(0).at("/metadata/name").asText();
            allSecrets.put(
                    cluster + "-cluster-ca-cert",
                    Map.of("ca.crt", pem(broker.tlsStores().orElseThrow())));
            var kafka = new SecuredKafka(broker, Collections.unmodifiableMap(allSecrets), List.copyOf(grants));
            kafka.createTopicsAndAcls(installation);
            return kafka;
        } catch (RuntimeException | Error e) {
            broker.close();
            throw e;
        }
    }

    EmbeddedKafkaBroker broker() {
        return broker;
    }

    /** The Secrets a pod may read: users', cluster CA's, the operator's. */
    Map<String, Map<String, String>> secrets() {
        return secrets;
    }

    List<Grant> granted() {
        return granted;
    }

    /** {@code host:port} of the SASL_SSL listener, the one the services get. */
    String saslBootstrapServers() {
        return broker.saslBootstrapServers().orElseThrow();
    }

    /** Client settings of the test's own clients (the super user on the PLAINTEXT listener). */
    Map<String, Object> adminClientProperties() {
        return broker.clientProperties();
    }

    @Override
    public void close() {
        broker.close();
    }

    private void createTopicsAndAcls(Installation installation) {
        try {
            broker.admin().createTopics(installation.topics()).all().get(60, TimeUnit.SECONDS);
            List<AclBinding> bindings = StrimziAcls.bindings(granted);
            if (!bindings.isEmpty()) {
                broker.admin().createAcls(bindings).all().get(60, TimeUnit.SECONDS);
            }
            // the broker authorizes with the ACLs it has applied from the metadata log: wait until it lists them all
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                var applied = new HashSet<>(broker.admin()
                        .describeAcls(AclBindingFilter.ANY)
                        .values()
                        .get(30, TimeUnit.SECONDS));
                if (applied.containsAll(bindings)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not apply the ACLs within 30 s");
                }
                Thread.sleep(50);
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot create the installation's topics and ACLs", e);
        }
    }

    /** The broker's certificate as the PEM {@code ca.crt} of Strimzi's cluster CA Secret. */
    private static String pem(TlsStores stores) {
        try (InputStream in = Files.newInputStream(stores.truststore())) {
            KeyStore truststore = KeyStore.getInstance(TlsStores.STORE_TYPE);
            truststore.load(in, stores.password().toCharArray());
            String alias = truststore.aliases().nextElement();
            Certificate certificate = truststore.getCertificate(alias);
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                            .encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the broker's certificate", e);
        }
    }

    static String randomSecret() {
        byte[] bytes = new byte[36];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
