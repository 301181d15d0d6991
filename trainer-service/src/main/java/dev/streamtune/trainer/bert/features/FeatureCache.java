package dev.streamtune.trainer.bert.features;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.jboss.logging.Logger;

/**
 * Pooled encoder vectors on disk, one append-only file per encoder digest, one record per text (its SHA-256, the
 * vector, a CRC32). Only texts the file lacks are encoded. A damaged or truncated file is cut back to its last good
 * record (or started afresh) with a warning; it never fails a run. Bounded in bytes: files of other encoders go first,
 * oldest first, then the current file keeps only the texts of the latest request. Thread-safe; one instance per
 * directory.
 */
public final class FeatureCache {

    private static final Logger LOG = Logger.getLogger(FeatureCache.class);
    private static final int MAGIC = 0x53544643; // "STFC"
    private static final int FORMAT = 1;
    private static final int HEADER_BYTES = 12;
    private static final int KEY_BYTES = 32;
    private static final String SUFFIX = ".features";

    /** What one request found and encoded. */
    public record Lookup(float[][] vectors, int hits, int encoded) {}

    private final Path dir;
    private final long maxBytes;
    private String loadedDigest;
    private int loadedHidden;
    private Map<String, float[]> loaded = Map.of();

    public FeatureCache(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /**
     * The vectors of {@code texts} under {@code encoderDigest}, in order; {@code encode} gets the distinct texts the
     * cache lacks (once each) and must return one vector per text, all of the same length.
     */
    public synchronized Lookup features(
            String encoderDigest, List<String> texts, Function<List<String>, float[][]> encode) {
        requireDigest(encoderDigest);
        load(encoderDigest);
        List<String> keys = texts.stream().map(FeatureCache::textKey).toList();
        Map<String, String> missing = new LinkedHashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            if (!loaded.containsKey(keys.get(i))) {
                missing.putIfAbsent(keys.get(i), texts.get(i));
            }
        }
        if (!missing.isEmpty()) {
            float[][] vectors = encode.apply(List.copyOf(missing.values()));
            if (vectors.length != missing.size()) {
                throw new IllegalStateException(
                        "encoder returned " + vectors.length + " vectors for " + missing.size() + " texts");
            }
            store(encoderDigest, List.copyOf(missing.keySet()), vectors, Set.copyOf(keys));
        }
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = loaded.get(keys.get(i));
        }
        return new Lookup(out, texts.size() - countMissing(texts.size(), keys, missing), missing.size());
    }

    private static int countMissing(int n, List<String> keys, Map<String, String> missing) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (missing.containsKey(keys.get(i))) {
                count++;
            }
        }
        return count;
    }

    /** Entries held for {@code encoderDigest} (reads its file if another digest is loaded). */
    public synchronized int size(String encoderDigest) {
        load(encoderDigest);
        return loaded.size();
    }

    private void store(String digest, List<String> keys, float[][] vectors, Set<String> inUse) {
        int hidden = vectors.length == 0 ? loadedHidden : vectors[0].length;
        if (loadedHidden != 0 && hidden != loadedHidden) {
            throw new IllegalStateException("vector length " + hidden + " differs from the cached " + loadedHidden);
        }
        loadedHidden = hidden;
        for (int i = 0; i < keys.size(); i++) {
            loaded.put(keys.get(i), vectors[i]);
        }
        try {
            append(file(digest), hidden, keys, vectors);
            bound(digest, inUse);
        } catch (IOException e) {
            LOG.warnf("feature cache: could not write %s (%s); the vectors stay in memory only", file(digest), e);
        }
    }

    private void append(Path file, int hidden, List<String> keys, float[][] vectors) throws IOException {
        Files.createDirectories(dir);
        boolean fresh = !Files.exists(file) || Files.size(file) == 0;
        try (OutputStream raw = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
            if (fresh) {
                out.writeInt(MAGIC);
                out.writeInt(FORMAT);
                out.writeInt(hidden);
            }
            for (int i = 0; i < keys.size(); i++) {
                writeRecord(out, keys.get(i), vectors[i]);
            }
        }
    }

    private static void writeRecord(DataOutputStream out, String key, float[] vector) throws IOException {
        byte[] keyBytes = HexFormat.of().parseHex(key);
        CRC32 crc = new CRC32();
        crc.update(keyBytes);
        out.write(keyBytes);
        byte[] data = new byte[vector.length * 4];
        java.nio.ByteBuffer.wrap(data).asFloatBuffer().put(vector);
        crc.update(data);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }

    /** Keeps the directory under its byte bound: other encoders' files first (oldest first), then the current one. */
    private void bound(String digest, Set<String> inUse) throws IOException {
        List<Path> files = files();
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        Path current = file(digest);
        List<Path> others = new ArrayList<>(files);
        others.remove(current);
        others.sort(Comparator.comparing(FeatureCache::modified));
        for (Path other : others) {
            if (total <= maxBytes) {
                return;
            }
            total -= Files.size(other);
            Files.deleteIfExists(other);
            LOG.infof(
                    "feature cache: evicted %s (another encoder) to stay under %d bytes",
                    other.getFileName(), maxBytes);
        }
        if (total > maxBytes) {
            loaded.keySet().retainAll(inUse);
            long needed = HEADER_BYTES + (long) loaded.size() * recordBytes(loadedHidden);
            Files.deleteIfExists(current);
            if (needed <= maxBytes) {
                List<String> keys = new ArrayList<>(loaded.keySet());
                append(
                        current,
                        loadedHidden,
                        keys,
                        keys.stream().map(loaded::get).toArray(float[][]::new));
            }
            LOG.infof(
                    "feature cache: kept %d vectors of the latest request (%s) to stay under %d bytes",
                    needed <= maxBytes ? loaded.size() : 0, needed <= maxBytes ? "on disk" : "in memory", maxBytes);
        }
    }

    private void load(String digest) {
        if (digest.equals(loadedDigest)) {
            return;
        }
        loadedDigest = digest;
        loadedHidden = 0;
        loaded = new HashMap<>();
        Path file = file(digest);
        if (!Files.exists(file)) {
            return;
        }
        long[] good = {0};
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                throw new IOException("not a feature cache file of format " + FORMAT);
            }
            int hidden = in.readInt();
            if (hidden <= 0 || hidden > 1 << 16) {
                throw new IOException("implausible vector length " + hidden);
            }
            loadedHidden = hidden;
            good[0] = HEADER_BYTES;
            readRecords(in, hidden, good);
        } catch (IOException e) {
            LOG.warnf("feature cache: %s is damaged (%s); keeping its first %d bytes", file, e.getMessage(), good[0]);
        }
        repair(file, good[0]);
    }

    /** Reads records until the end; {@code good[0]} follows the end of the last intact one. */
    private void readRecords(DataInputStream in, int hidden, long[] good) throws IOException {
        byte[] key = new byte[KEY_BYTES];
        byte[] data = new byte[hidden * 4];
        while (true) {
            try {
                in.readFully(key);
            } catch (EOFException end) {
                return;
            }
            in.readFully(data);
            int stored = in.readInt();
            CRC32 crc = new CRC32();
            crc.update(key);
            crc.update(data);
            if ((int) crc.getValue() != stored) {
                throw new IOException("checksum mismatch after " + loaded.size() + " records");
            }
            float[] vector = new float[hidden];
            java.nio.ByteBuffer.wrap(data).asFloatBuffer().get(vector);
            loaded.put(HexFormat.of().formatHex(key), vector);
            good[0] += recordBytes(hidden);
        }
    }

    /** Cuts a file back to its last good record (a header alone or less means: start afresh). */
    private void repair(Path file, long good) {
        try {
            long size = Files.size(file);
            if (good <= HEADER_BYTES && size > good) {
                Files.delete(file);
                loaded.clear();
                loadedHidden = 0;
            } else if (size > good) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(good);
                }
            }
        } catch (IOException e) {
            LOG.warnf("feature cache: could not repair %s: %s", file, e.getMessage());
        }
    }

    private List<Path> files() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList();
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    private Path file(String digest) {
        return dir.resolve(digest + SUFFIX);
    }

    private static long recordBytes(int hidden) {
        return KEY_BYTES + 4L * hidden + 4;
    }

    private static void requireDigest(String digest) {
        if (!digest.matches("[0-9a-f]{16,128}")) {
            throw new IllegalArgumentException("encoder digest must be lower-case hex: " + digest);
        }
    }

    /** The SHA-256 of a text's UTF-8 bytes, in hex: the per-text key. */
    static String textKey(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
