package dev.streamtune.common.model;

/**
 * Signature over the exact bytes of {@code manifest.json}.
 *
 * @param algorithm {@code HmacSHA256} or {@code Ed25519}
 * @param keyId which configured key signed it
 * @param value Base64 signature
 */
public record ManifestSignature(String algorithm, String keyId, String value) {}
