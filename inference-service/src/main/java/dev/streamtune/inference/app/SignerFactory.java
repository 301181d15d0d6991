package dev.streamtune.inference.app;

import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.inference.config.InferenceConfig;

/** The signature check the service trusts, from configuration; refuses to start without a key. */
final class SignerFactory {

    private SignerFactory() {}

    static ManifestSigner verifier(InferenceConfig.Signing signing) {
        String algorithm = signing.algorithm();
        if (ManifestSigner.HMAC_SHA256.equalsIgnoreCase(algorithm) || "hmac".equalsIgnoreCase(algorithm)) {
            String secret = signing.secret()
                    .orElseThrow(() -> new IllegalStateException(
                            "streamtune.signing.secret is required for hmac (the secret the trainer signs with)"));
            return ManifestSigner.hmac(signing.keyId(), secret);
        }
        if (ManifestSigner.ED25519.equalsIgnoreCase(algorithm)) { // "ed25519" too
            String publicKey = signing.publicKey()
                    .orElseThrow(() -> new IllegalStateException(
                            "streamtune.signing.public-key (Base64 X.509) is required for ed25519"));
            return ManifestSigner.ed25519(signing.keyId(), publicKey, null);
        }
        throw new IllegalStateException(
                "streamtune.signing.algorithm must be hmac or ed25519, not '" + algorithm + "'");
    }
}
