package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HugePagesTest {

    @TempDir
    Path dir;

    @Test
    void nodeModeIsTheBracketedWordOfTheKernelFile() throws IOException {
        assertThat(HugePages.nodeMode(write("always [madvise] never\n"))).contains("madvise");
        assertThat(HugePages.nodeMode(write("[always] madvise never\n"))).contains("always");
        assertThat(HugePages.nodeMode(write("always madvise [never]\n"))).contains("never");
    }

    @Test
    void nodeModeIsUnknownWithoutAReadableSelection() throws IOException {
        assertThat(HugePages.nodeMode(dir.resolve("absent"))).isEmpty();
        assertThat(HugePages.nodeMode(write("always madvise never\n"))).isEmpty();
    }

    @Test
    void nothingToSayWhenLibtorchAsksAndTheNodeGrants() {
        assertThat(HugePages.advice("1", Optional.of("madvise"))).isEmpty();
        assertThat(HugePages.advice("1", Optional.of("always"))).isEmpty();
        // Not Linux, or /sys not mounted: nothing known against it.
        assertThat(HugePages.advice("1", Optional.empty())).isEmpty();
    }

    @Test
    void warnsWhenTheVariableIsMissingAndSaysSoWhenTheNodeIsOffToo() {
        assertThat(HugePages.advice(null, Optional.of("madvise"))).hasValueSatisfying(m -> assertThat(m)
                .startsWith("THP_MEM_ALLOC_ENABLE is not 1")
                .doesNotContain("'never'"));
        assertThat(HugePages.advice("0", Optional.of("never"))).hasValueSatisfying(m -> assertThat(m)
                .startsWith("THP_MEM_ALLOC_ENABLE is not 1")
                .contains("its mode is 'never'"));
    }

    @Test
    void warnsThatTheVariableDoesNothingOnANodeWithHugePagesOff() {
        assertThat(HugePages.advice("1", Optional.of("never"))).hasValueSatisfying(m -> assertThat(m)
                .startsWith("THP_MEM_ALLOC_ENABLE=1 has no effect")
                .contains(HugePages.MODE_FILE.toString()));
    }

    private Path write(String content) throws IOException {
        Path file = Files.createTempFile(dir, "enabled", "");
        return Files.writeString(file, content);
    }
}
