package dev.streamtune.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ManifestSignerTest {

    private static final byte[] MANIFEST = "{\"name\":\"support\",\"version\":3}".getBytes(StandardCharsets.UTF_8);
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    @Test
    void shouldVerifyAnHmacSignatureOnlyOnTheSignedBytes() {
        ManifestSigner signer = ManifestSigner.hmac("k1", SECRET);
        ManifestSignature signature = signer.sign(MANIFEST);
        byte[] tampered = MANIFEST.clone();
        tampered[10] ^= 1;

        assertThat(signature.algorithm()).isEqualTo(ManifestSigner.HMAC_SHA256);
        assertThat(signer.verify(MANIFEST, signature)).isTrue();
        assertThat(signer.verify(tampered, signature)).isFalse();
    }

    @Test
    void shouldRefuseSignaturesFromAnotherKey() {
        ManifestSignature signature = ManifestSigner.hmac("k1", SECRET).sign(MANIFEST);

        assertThat(ManifestSigner.hmac("k1", SECRET.replace('0', 'x')).verify(MANIFEST, signature))
                .isFalse();
        assertThat(ManifestSigner.hmac("k2", SECRET).verify(MANIFEST, signature))
                .isFalse();
        assertThat(ManifestSigner.hmac("k1", SECRET)
                        .verify(MANIFEST, new ManifestSignature("HmacSHA256", "k1", "not base64!")))
                .isFalse();
    }

    @Test
    void shouldRefuseShortHmacSecrets() {
        assertThatThrownBy(() -> ManifestSigner.hmac("k", "short"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
    }

    @Test
    void shouldVerifyEd25519WithThePublicKeyAlone() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String pub = Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
        String priv = Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded());
        ManifestSigner trainer = ManifestSigner.ed25519("ed1", pub, priv);
        ManifestSigner inference = ManifestSigner.ed25519("ed1", pub, null);

        ManifestSignature signature = trainer.sign(MANIFEST);

        assertThat(inference.verify(MANIFEST, signature)).isTrue();
        assertThat(inference.verify("{}".getBytes(StandardCharsets.UTF_8), signature))
                .isFalse();
        assertThatThrownBy(() -> inference.sign(MANIFEST)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(ManifestSigner.hmac("ed1", SECRET).verify(MANIFEST, signature))
                .isFalse();
    }
}
