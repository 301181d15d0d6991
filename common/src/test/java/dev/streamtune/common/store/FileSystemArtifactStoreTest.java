package dev.streamtune.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemArtifactStoreTest {

    @TempDir
    Path tmp;

    private Path artifact() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("local"));
        Files.writeString(dir.resolve("model.onnx"), "weights");
        Files.writeString(dir.resolve("manifest.json"), "{}");
        return dir;
    }

    @Test
    void shouldPublishAndFetchAnArtifact() throws IOException {
        var store = new FileSystemArtifactStore(tmp.resolve("store"));

        URI uri = store.publish(artifact(), "support", 7);
        Path fetched = tmp.resolve("fetched");
        store.fetch(uri, fetched);

        assertThat(uri).isEqualTo(store.uriOf("support", 7));
        assertThat(store.exists(uri)).isTrue();
        assertThat(fetched.resolve("model.onnx")).hasContent("weights");
        assertThat(fetched.resolve("manifest.json")).hasContent("{}");
    }

    @Test
    void shouldNeverOverwriteAPublishedVersion() throws IOException {
        var store = new FileSystemArtifactStore(tmp.resolve("store"));
        store.publish(artifact(), "support", 1);

        assertThatThrownBy(() -> store.publish(artifact(), "support", 1))
                .isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void shouldLeaveNothingVisibleWhenAPublishFails() throws IOException {
        var store = new FileSystemArtifactStore(tmp.resolve("store"));
        Path bad = artifact();
        Files.createDirectories(bad.resolve("nested")); // artifacts are flat: copying fails midway

        assertThatThrownBy(() -> store.publish(bad, "support", 2)).isInstanceOf(IOException.class);

        assertThat(store.exists(store.uriOf("support", 2))).isFalse();
        try (Stream<Path> left = Files.list(tmp.resolve("store").resolve("support"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void shouldRefuseModelNamesThatEscapeTheRoot() {
        var store = new FileSystemArtifactStore(tmp);

        assertThatThrownBy(() -> store.uriOf("../etc", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRefuseFileUrisThatLeaveTheRoot() throws IOException {
        var store = new FileSystemArtifactStore(tmp.resolve("store"));
        URI published = store.publish(artifact(), "support", 1);
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(outside.resolve("manifest.json"), "{}");
        URI dotDot = URI.create(published + "../../../elsewhere/");
        URI absolute = outside.toUri();
        Path link =
                Files.createSymbolicLink(tmp.resolve("store").resolve("support").resolve("v2"), outside);

        for (URI uri : new URI[] {dotDot, absolute, link.toUri()}) {
            assertThatThrownBy(() -> store.fetch(uri, tmp.resolve("fetched-" + System.nanoTime())))
                    .as(uri.toString())
                    .isInstanceOf(ArtifactRefusedException.class)
                    .hasMessageContaining("refusing artifact URI");
            assertThat(store.exists(uri)).as(uri.toString()).isFalse();
        }
        assertThatThrownBy(() -> store.fetch(dotDot, tmp.resolve("f"))).hasMessageContaining("'..'");
        assertThatThrownBy(() -> store.fetch(absolute, tmp.resolve("f"))).hasMessageContaining("outside");
        assertThatThrownBy(() -> store.fetch(link.toUri(), tmp.resolve("f"))).hasMessageContaining("symbolic link");
    }

    @Test
    void shouldRefuseAnArtifactHoldingASymbolicLink() throws IOException {
        var store = new FileSystemArtifactStore(tmp.resolve("store"));
        URI uri = store.publish(artifact(), "support", 3);
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "not part of any model");
        Files.createSymbolicLink(Path.of(uri).resolve("tokenizer.json"), secret);

        assertThatThrownBy(() -> store.fetch(uri, tmp.resolve("fetched")))
                .isInstanceOf(ArtifactRefusedException.class)
                .hasMessageContaining("tokenizer.json is a symbolic link");
        assertThat(tmp.resolve("fetched").resolve("tokenizer.json")).doesNotExist();
    }
}
