package dev.streamtune.trainer.bert.features;

import dev.streamtune.common.onnx.NamedTensor;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.model.BertClassifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What makes two encoders give the same pooled vector for a text: their weights (every parameter but the head, by
 * name, shape and value), the tokenizer, the pooling, the maximum length and which tokens truncation keeps. The head
 * is left out, so a head refresh keeps the digest and the cache stays valid across fast-lane versions.
 */
public final class EncoderDigest {

    private EncoderDigest() {}

    public static String of(BertClassifier classifier) {
        MessageDigest digest = FeatureCache.sha256();
        update(digest, "config " + classifier.config());
        update(digest, "pooling " + classifier.pooling().id());
        update(digest, "maxLength " + classifier.maxLength());
        if (classifier.truncation() != Truncation.HEAD) { // head: the key of caches written before the setting existed
            update(digest, "truncation " + classifier.truncation().id());
        }
        digest.update(classifier.tokenizerJson());
        Map<String, NamedTensor> encoder = new TreeMap<>(classifier.snapshot());
        encoder.keySet().removeIf(name -> name.startsWith("classifier."));
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (NamedTensor t : encoder.values()) {
            update(digest, t.name() + java.util.Arrays.toString(t.shape()));
            float[] data = t.data();
            for (int from = 0; from < data.length; from += buffer.capacity() / 4) {
                int to = Math.min(data.length, from + buffer.capacity() / 4);
                buffer.clear();
                buffer.asFloatBuffer().put(data, from, to - from);
                digest.update(buffer.array(), 0, (to - from) * 4);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void update(MessageDigest digest, String s) {
        digest.update(s.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }
}
