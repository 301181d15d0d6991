package dev.streamtune.common.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** File names of a model artifact directory and the digests that bind them together. */
public final class ModelArtifact {

    public static final String MODEL_FILE = "model.onnx";
    /** The dynamically quantized graph of the same model, when the artifact has one. */
    public static final String INT8_MODEL_FILE = "model-int8.onnx";

    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String MANIFEST_FILE = "manifest.json";
    public static final String SIGNATURE_FILE = "manifest.sig";

    /** ONNX graph inputs and outputs, in this order. */
    public static final String INPUT_IDS = "input_ids";

    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String LOGITS = "logits";
    public static final String PROBABILITIES = "probabilities";

    private ModelArtifact() {}

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    public static String sha256(Path file) {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static ArtifactFile describe(Path file) {
        try {
            return new ArtifactFile(sha256(file), Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
