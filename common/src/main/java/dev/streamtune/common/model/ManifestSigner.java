package dev.streamtune.common.model;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies {@code manifest.json} bytes. HMAC-SHA256 with a shared secret, or Ed25519 where the trainer
 * holds the private key and inference services only the public one.
 */
public sealed interface ManifestSigner permits ManifestSigner.Hmac, ManifestSigner.Ed25519 {

    String HMAC_SHA256 = "HmacSHA256";
    String ED25519 = "Ed25519";

    String keyId();

    /** @throws UnsupportedOperationException for a verify-only Ed25519 signer */
    ManifestSignature sign(byte[] manifestBytes);

    boolean verify(byte[] manifestBytes, ManifestSignature signature);

    /** HMAC-SHA256 over the manifest bytes with a shared secret (at least 32 bytes). */
    static ManifestSigner hmac(String keyId, byte[] secret) {
        return new Hmac(keyId, secret);
    }

    /** HMAC key from configuration text: the raw UTF-8 bytes of the secret. */
    static ManifestSigner hmac(String keyId, String secret) {
        return new Hmac(keyId, secret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Ed25519 from Base64 keys in standard encodings (PKCS#8 private, X.509 public); {@code privateKey} may be null
     * for a verify-only signer.
     */
    static ManifestSigner ed25519(String keyId, String publicKeyBase64, String privateKeyBase64) {
        try {
            KeyFactory factory = KeyFactory.getInstance(ED25519);
            PublicKey pub = factory.generatePublic(
                    new X509EncodedKeySpec(Base64.getDecoder().decode(publicKeyBase64)));
            PrivateKey priv = privateKeyBase64 == null
                    ? null
                    : factory.generatePrivate(
                            new PKCS8EncodedKeySpec(Base64.getDecoder().decode(privateKeyBase64)));
            return new Ed25519(keyId, pub, priv);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid Ed25519 key for key id " + keyId + ": " + e.getMessage(), e);
        }
    }

    final class Hmac implements ManifestSigner {
        private final String keyId;
        private final SecretKeySpec key;

        Hmac(String keyId, byte[] secret) {
            this.keyId = Objects.requireNonNull(keyId, "keyId");
            if (secret == null || secret.length < 32) {
                throw new IllegalArgumentException("an HMAC signing secret needs at least 32 bytes");
            }
            this.key = new SecretKeySpec(secret, HMAC_SHA256);
        }

        @Override
        public String keyId() {
            return keyId;
        }

        @Override
        public ManifestSignature sign(byte[] manifestBytes) {
            return new ManifestSignature(HMAC_SHA256, keyId, Base64.getEncoder().encodeToString(mac(manifestBytes)));
        }

        @Override
        public boolean verify(byte[] manifestBytes, ManifestSignature signature) {
            if (signature == null || !HMAC_SHA256.equals(signature.algorithm()) || !keyId.equals(signature.keyId())) {
                return false;
            }
            try {
                return MessageDigest.isEqual(
                        mac(manifestBytes), Base64.getDecoder().decode(signature.value()));
            } catch (IllegalArgumentException badBase64) {
                return false;
            }
        }

        private byte[] mac(byte[] bytes) {
            try {
                Mac mac = Mac.getInstance(HMAC_SHA256);
                mac.init(key);
                return mac.doFinal(bytes);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA256 unavailable", e);
            }
        }
    }

    final class Ed25519 implements ManifestSigner {
        private final String keyId;
        private final PublicKey publicKey;
        private final PrivateKey privateKey;

        Ed25519(String keyId, PublicKey publicKey, PrivateKey privateKey) {
            this.keyId = Objects.requireNonNull(keyId, "keyId");
            this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
            this.privateKey = privateKey;
        }

        @Override
        public String keyId() {
            return keyId;
        }

        @Override
        public ManifestSignature sign(byte[] manifestBytes) {
            if (privateKey == null) {
                throw new UnsupportedOperationException("verify-only signer for key id " + keyId + " cannot sign");
            }
            try {
                Signature s = Signature.getInstance(ED25519);
                s.initSign(privateKey);
                s.update(manifestBytes);
                return new ManifestSignature(ED25519, keyId, Base64.getEncoder().encodeToString(s.sign()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Ed25519 signing failed", e);
            }
        }

        @Override
        public boolean verify(byte[] manifestBytes, ManifestSignature signature) {
            if (signature == null || !ED25519.equals(signature.algorithm()) || !keyId.equals(signature.keyId())) {
                return false;
            }
            try {
                Signature s = Signature.getInstance(ED25519);
                s.initVerify(publicKey);
                s.update(manifestBytes);
                return s.verify(Base64.getDecoder().decode(signature.value()));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                return false;
            }
        }
    }
}
