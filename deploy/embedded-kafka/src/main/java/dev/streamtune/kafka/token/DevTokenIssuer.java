package dev.streamtune.kafka.token;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * Signs bearer tokens (RS256 JWTs) the way the services verify them: {@code iss}, {@code aud}, {@code sub},
 * {@code groups} (the roles), {@code iat}, {@code exp}, {@code jti}. For local runs and tests only: production tokens
 * come from the cluster's identity provider. The key pair is RSA-2048 in PEM files: {@value #PRIVATE_KEY_FILE}
 * (PKCS#8, owner-only) for this issuer, {@value #PUBLIC_KEY_FILE} (X.509) for the services'
 * {@code mp.jwt.verify.publickey.location}.
 */
public final class DevTokenIssuer {

    /** The services' default {@code mp.jwt.verify.issuer}. */
    public static final String DEFAULT_ISSUER = "streamtune";

    /** The services' default {@code mp.jwt.verify.audiences}. */
    public static final String DEFAULT_AUDIENCE = "streamtune";

    public static final String PRIVATE_KEY_FILE = "jwt-private.pem";
    public static final String PUBLIC_KEY_FILE = "jwt-public.pem";

    private final PrivateKey key;
    private final String issuer;
    private final String audience;

    public DevTokenIssuer(PrivateKey key, String issuer, String audience) {
        this.key = Objects.requireNonNull(key, "key");
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.audience = Objects.requireNonNull(audience, "audience");
    }

    /** An issuer with the services' default issuer and audience. */
    public static DevTokenIssuer withDefaults(PrivateKey key) {
        return new DevTokenIssuer(key, DEFAULT_ISSUER, DEFAULT_AUDIENCE);
    }

    /** The same key, another issuer name (a token the services must refuse). */
    public DevTokenIssuer withIssuer(String otherIssuer) {
        return new DevTokenIssuer(key, otherIssuer, audience);
    }

    public DevTokenIssuer withAudience(String otherAudience) {
        return new DevTokenIssuer(key, issuer, otherAudience);
    }

    /** A token for {@code subject} with {@code groups}, valid from now for {@code ttl}. */
    public String mint(String subject, Duration ttl, String... groups) {
        Instant now = Instant.now();
        return mint(subject, List.of(groups), now, now.plus(ttl));
    }

    public String mint(String subject, List<String> groups, Instant issuedAt, Instant expiresAt) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience(audience);
        claims.setSubject(subject);
        claims.setStringListClaim("groups", groups);
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
        claims.setJwtId(UUID.randomUUID().toString());
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
        }
    }

    /** A new RSA-2048 key pair. */
    public static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has RSA", e);
        }
    }

    /** Writes {@code keys} as the two PEM files into {@code dir} (created); the private one readable by its owner only. */
    public static void writeKeyPair(KeyPair keys, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path privateFile = dir.resolve(PRIVATE_KEY_FILE);
        Files.deleteIfExists(privateFile);
        try {
            Files.createFile(
                    privateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(privateFile);
        }
        Files.writeString(privateFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Files.writeString(
                dir.resolve(PUBLIC_KEY_FILE), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
    }

    /** Reads a PKCS#8 RSA private key ({@code -----BEGIN PRIVATE KEY-----}). */
    public static PrivateKey readPrivateKey(Path pemFile) throws IOException {
        String pem = Files.readString(pemFile, StandardCharsets.US_ASCII);
        String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(pemFile + " is not a PKCS#8 RSA private key in PEM: " + e.getMessage(), e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
