package dev.streamtune.kafka.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A PKCS12 keystore holding a freshly generated self-signed certificate for the broker's TLS listener, and a PKCS12
 * truststore holding the same certificate for clients. Both share one random password. For local runs and tests
 * only: the certificate is its own trust anchor.
 */
public record TlsStores(Path keystore, Path truststore, String password) {

    public static final String STORE_TYPE = "PKCS12";
    private static final Duration VALIDITY = Duration.ofDays(365);

    @Override
    public String toString() {
        return "TlsStores[keystore=" + keystore + ", truststore=" + truststore + "]";
    }

    /**
     * Generates a P-256 key and a certificate whose subject alternative names are {@code hosts} (DNS names or IP
     * literals) and writes {@code broker.keystore.p12} and {@code client.truststore.p12} into {@code dir}, replacing
     * earlier ones.
     */
    public static TlsStores generate(Path dir, Collection<String> hosts) throws IOException {
        try {
            var keyPairGenerator = KeyPairGenerator.getInstance("EC");
            keyPairGenerator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keyPair = keyPairGenerator.generateKeyPair();
            X509Certificate certificate = selfSign(keyPair, hosts);

            var random = new SecureRandom();
            byte[] secret = new byte[18];
            random.nextBytes(secret);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);

            Files.createDirectories(dir);
            var keystore = KeyStore.getInstance(STORE_TYPE);
            keystore.load(null, null);
            keystore.setKeyEntry(
                    "broker", keyPair.getPrivate(), password.toCharArray(), new Certificate[] {certificate});
            var truststore = KeyStore.getInstance(STORE_TYPE);
            truststore.load(null, null);
            truststore.setCertificateEntry("streamtune-embedded-kafka", certificate);

            var result =
                    new TlsStores(dir.resolve("broker.keystore.p12"), dir.resolve("client.truststore.p12"), password);
            write(keystore, result.keystore(), password);
            write(truststore, result.truststore(), password);
            return result;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate the broker's TLS certificate", e);
        }
    }

    private static X509Certificate selfSign(KeyPair keyPair, Collection<String> hosts)
            throws CertIOException, OperatorCreationException, GeneralSecurityException {
        var names = new LinkedHashSet<GeneralName>();
        for (String host : hosts) {
            names.add(
                    isIpLiteral(host)
                            ? new GeneralName(GeneralName.iPAddress, host)
                            : new GeneralName(GeneralName.dNSName, host));
        }
        var subject = new X500Name("CN=streamtune-embedded-kafka");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(
                        subject,
                        new BigInteger(64, new SecureRandom()),
                        Date.from(now.minus(Duration.ofHours(1))),
                        Date.from(now.plus(VALIDITY)),
                        subject,
                        keyPair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth
                }))
                .addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static boolean isIpLiteral(String host) {
        if (!host.matches("[0-9.]+|.*:.*")) {
            return false;
        }
        try {
            // a literal never triggers a DNS lookup
            InetAddress.getByName(host);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void write(KeyStore store, Path file, String password) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
    }
}
