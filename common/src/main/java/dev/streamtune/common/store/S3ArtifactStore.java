package dev.streamtune.common.store;

import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ModelArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Artifacts as objects in an S3-compatible bucket under {@code <prefix>/<model>/v<version>/}. S3 has no atomic
 * directory rename, so completeness is a marker: every file is uploaded first ({@code manifest.json} and
 * {@code manifest.sig} after the files they describe), then {@value #COMPLETE_MARKER}, which lists the files. Readers
 * ({@link #exists}, {@link #fetch}) ignore a version without its marker, so an upload cut short is never seen and is
 * overwritten by the next publish of that version.
 *
 * <p>A URI read from the registry topic is not trusted: {@link #fetch} and {@link #exists} only follow
 * {@code s3://} URIs into this store's bucket and under its prefix (no {@code .}, {@code ..} or empty key segment).
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {

    /** Written last; its presence makes a version visible. */
    public static final String COMPLETE_MARKER = "_COMPLETE.json";

    /** Largest completion marker read (it lists a handful of file names and sizes). */
    static final int MAX_MARKER_BYTES = 64 * 1024;

    /** Contents of the completion marker: the artifact's files and their sizes. */
    public record Completion(Map<String, Long> files, Instant completedAt) {}

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final boolean ownsClient;

    /**
     * @param prefix key prefix inside the bucket, e.g. {@code streamtune/models}; empty for the bucket root
     */
    public S3ArtifactStore(S3Client s3, String bucket, String prefix) {
        this(s3, bucket, prefix, false);
    }

    private S3ArtifactStore(S3Client s3, String bucket, String prefix, boolean ownsClient) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("an S3 artifact store needs a bucket");
        }
        this.bucket = bucket;
        this.prefix = normalizePrefix(prefix);
        this.ownsClient = ownsClient;
    }

    /**
     * A store with its own client for an S3-compatible endpoint (MinIO, Ceph, ...) or AWS itself.
     *
     * @param endpoint null for AWS's regional endpoint
     * @param accessKey null to use the default AWS credential chain (environment, profile, IRSA)
     * @param pathStyle {@code true} for most S3-compatible servers ({@code http://host/bucket/key})
     */
    public static S3ArtifactStore create(
            URI endpoint,
            String region,
            String accessKey,
            String secretKey,
            boolean pathStyle,
            String bucket,
            String prefix) {
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(region))
                .forcePathStyle(pathStyle)
                // SHA-256 of every file is checked by ArtifactVerifier; not every S3-compatible server speaks the
                // SDK's default trailing CRC checksums
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(
                        accessKey == null
                                ? DefaultCredentialsProvider.builder().build()
                                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return new S3ArtifactStore(builder.build(), bucket, prefix, true);
    }

    /** The underlying client (e.g. to create the bucket in a test or a set-up job). */
    public S3Client client() {
        return s3;
    }

    public String bucket() {
        return bucket;
    }

    public String prefix() {
        return prefix;
    }

    @Override
    public URI publish(Path sealedDir, String model, long version) throws IOException {
        String keyPrefix = keyPrefixOf(model, version);
        if (readCompletion(keyPrefix) != null) {
            throw new FileAlreadyExistsException(
                    uriOf(model, version).toString(), null, "model version already published");
        }
        // leftovers of an upload that died before its marker: not visible, but must not mix with this one
        deleteAll(keyPrefix);

        List<Path> files = listFlat(sealedDir);
        Map<String, Long> sizes = new TreeMap<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.equals(COMPLETE_MARKER)) {
                throw new IOException("an artifact must not contain a file named " + COMPLETE_MARKER);
            }
            sizes.put(name, Files.size(file));
        }
        try {
            // manifest and signature after the files they describe, the marker after everything
            for (Path file : files) {
                s3.putObject(r -> r.bucket(bucket).key(keyPrefix + file.getFileName()), RequestBody.fromFile(file));
            }
            byte[] marker = Json.write(new Completion(sizes, Instant.now()));
            s3.putObject(
                    r -> r.bucket(bucket).key(keyPrefix + COMPLETE_MARKER).contentType("application/json"),
                    RequestBody.fromBytes(marker));
        } catch (SdkException e) {
            throw new IOException(
                    "upload of " + model + " v" + version + " to s3://" + bucket + "/" + keyPrefix + " failed: "
                            + e.getMessage(),
                    e);
        }
        return uriOf(model, version);
    }

    @Override
    public void fetch(URI uri, Path target) throws IOException {
        Location location = confined(uri);
        Completion completion = readCompletion(location.bucket(), location.keyPrefix());
        if (completion == null) {
            throw new IOException("no complete artifact at " + uri + " (no " + COMPLETE_MARKER + ")");
        }
        Files.createDirectories(target);
        for (String name : completion.files().keySet()) {
            if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new ArtifactRefusedException("refusing file name '" + name + "' listed in the marker of " + uri);
            }
            Path file = target.resolve(name);
            Path partial = target.resolve("." + name + ".part");
            try {
                s3.getObject(r -> r.bucket(location.bucket()).key(location.keyPrefix() + name), partial);
            } catch (SdkException e) {
                Files.deleteIfExists(partial);
                throw new IOException("cannot download " + name + " of " + uri + ": " + e.getMessage(), e);
            }
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public boolean exists(URI uri) throws IOException {
        if (!"s3".equals(uri.getScheme())) {
            return false;
        }
        Location location;
        try {
            location = confined(uri);
        } catch (IOException e) {
            return false;
        }
        return readCompletion(location.bucket(), location.keyPrefix()) != null;
    }

    @Override
    public URI uriOf(String model, long version) {
        return URI.create("s3://" + bucket + "/" + keyPrefixOf(model, version));
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }

    private Completion readCompletion(String keyPrefix) throws IOException {
        return readCompletion(bucket, keyPrefix);
    }

    private Completion readCompletion(String bucketName, String keyPrefix) throws IOException {
        byte[] bytes;
        try (InputStream in = s3.getObject(r -> r.bucket(bucketName).key(keyPrefix + COMPLETE_MARKER))) {
            bytes = in.readNBytes(MAX_MARKER_BYTES + 1);
            if (bytes.length > MAX_MARKER_BYTES) {
                throw new IOException("completion marker of s3://" + bucketName + "/" + keyPrefix + " is larger than "
                        + MAX_MARKER_BYTES + " bytes");
            }
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw new IOException(
                    "cannot read s3://" + bucketName + "/" + keyPrefix + COMPLETE_MARKER + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException(
                    "cannot reach the artifact store for s3://" + bucketName + "/" + keyPrefix + ": " + e.getMessage(),
                    e);
        }
        try {
            Completion completion = Json.mapper().readValue(bytes, Completion.class);
            if (completion.files() == null || !completion.files().containsKey(ModelArtifact.MANIFEST_FILE)) {
                throw new IOException("completion marker of s3://" + bucketName + "/" + keyPrefix + " does not list "
                        + ModelArtifact.MANIFEST_FILE);
            }
            return completion;
        } catch (IOException e) {
            throw new IOException(
                    "unreadable completion marker at s3://" + bucketName + "/" + keyPrefix + ": " + e.getMessage(), e);
        }
    }

    private void deleteAll(String keyPrefix) throws IOException {
        try {
            List<String> keys = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(keyPrefix))
                    .contents()) {
                keys.add(o.key());
            }
            // one by one: a handful of files, and DeleteObjects wants checksums not every S3-compatible server takes
            for (String key : keys) {
                s3.deleteObject(r -> r.bucket(bucket).key(key));
            }
        } catch (SdkException e) {
            throw new IOException("cannot clear s3://" + bucket + "/" + keyPrefix + ": " + e.getMessage(), e);
        }
    }

    private String keyPrefixOf(String model, long version) {
        if (model == null || model.isBlank() || model.contains("/") || model.contains("\\") || model.startsWith(".")) {
            throw new IllegalArgumentException("invalid model name for an object key: '" + model + "'");
        }
        return prefix + model + "/v" + version + "/";
    }

    private record Location(String bucket, String keyPrefix) {}

    /** Where {@code uri} points, if that is in this store's bucket under its prefix. */
    private Location confined(URI uri) throws IOException {
        Location location = locate(uri);
        if (!location.bucket().equals(bucket)) {
            throw new ArtifactRefusedException("refusing artifact URI " + uri + ": bucket '" + location.bucket()
                    + "' is not the artifact store's bucket '" + bucket + "'");
        }
        String key = location.keyPrefix();
        for (String segment : key.substring(0, Math.max(0, key.length() - 1)).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new ArtifactRefusedException("refusing artifact URI " + uri + ": empty, '.' or '..' key segment");
            }
        }
        if (!key.startsWith(prefix) || key.equals(prefix)) {
            throw new ArtifactRefusedException("refusing artifact URI " + uri
                    + ": outside the artifact store's prefix s3://" + bucket + "/" + prefix);
        }
        return location;
    }

    private static Location locate(URI uri) throws IOException {
        if (!"s3".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IOException("not an s3://bucket/prefix URI: " + uri);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String key = path.startsWith("/") ? path.substring(1) : path;
        if (!key.isEmpty() && !key.endsWith("/")) {
            key = key + "/";
        }
        return new Location(uri.getHost(), key);
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? "" : p + "/";
    }

    /** Files of a flat artifact directory, data files first, then signature, then manifest. */
    private static List<Path> listFlat(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> files = new ArrayList<>();
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (!Files.isRegularFile(p)) {
                    throw new IOException("an artifact directory holds only files; found " + p);
                }
                files.add(p);
            }
            files.sort(Comparator.comparingInt(S3ArtifactStore::uploadRank)
                    .thenComparing(p -> p.getFileName().toString()));
            if (files.stream().noneMatch(p -> uploadRank(p) == 2)) {
                throw new IOException("not a sealed artifact: " + dir + " has no " + ModelArtifact.MANIFEST_FILE);
            }
            return files;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static int uploadRank(Path file) {
        String name = file.getFileName().toString();
        if (name.equals(ModelArtifact.MANIFEST_FILE)) {
            return 2;
        }
        return name.equals(ModelArtifact.SIGNATURE_FILE) ? 1 : 0;
    }
}
