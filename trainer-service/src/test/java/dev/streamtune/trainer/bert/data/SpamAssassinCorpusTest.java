package dev.streamtune.trainer.bert.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpamAssassinCorpusTest {

    @TempDir
    Path dir;

    @Test
    void shouldDecodeQuotedPrintableLatin1AndAnEncodedSubjectAfterAnMboxFromLine() {
        byte[] raw = bytes("From someone@example.com  Thu Aug 22 13:17:22 2002\n"
                + "Return-Path: <a@example.com>\n"
                + "Subject: =?iso-8859-1?q?Caf=E9_offer?=\n"
                + "Content-Type: text/plain; charset=\"iso-8859-1\"\n"
                + "Content-Transfer-Encoding: quoted-printable\n\n"
                + "Caf=E9 au lait =\ncontinues here=2E\n");
        assertThat(SpamAssassinCorpus.toText(raw)).isEqualTo("Café offer\nCafé au lait continues here.");
    }

    @Test
    void shouldPreferThePlainAlternativeAndSkipAttachments() {
        String b64 = Base64.getEncoder().encodeToString("binary stuff".getBytes(StandardCharsets.US_ASCII));
        byte[] raw = bytes("Subject: Meeting\n"
                + "MIME-Version: 1.0\n"
                + "Content-Type: multipart/mixed; boundary=\"OUT\"\n\n"
                + "--OUT\n"
                + "Content-Type: multipart/alternative; boundary=\"ALT\"\n\n"
                + "--ALT\n"
                + "Content-Type: text/plain\n\n"
                + "See you at noon.\n"
                + "--ALT\n"
                + "Content-Type: text/html\n\n"
                + "<p>See you <b>at noon</b>.</p>\n"
                + "--ALT--\n"
                + "--OUT\n"
                + "Content-Type: application/octet-stream; name=\"x.bin\"\n"
                + "Content-Disposition: attachment; filename=\"x.bin\"\n"
                + "Content-Transfer-Encoding: base64\n\n"
                + b64 + "\n"
                + "--OUT--\n");
        assertThat(SpamAssassinCorpus.toText(raw)).isEqualTo("Meeting\nSee you at noon.");
    }

    @Test
    void shouldTurnBase64HtmlIntoTextAndReadUndeclaredBytesAsWindows1252() {
        String html = "<html><body><h1>Hot&nbsp;deal</h1><table><tr><td>Buy now</td></tr></table></body></html>";
        byte[] raw = bytes("Subject: Offer\n"
                + "Content-Type: text/html\n"
                + "Content-Transfer-Encoding: base64\n\n"
                + Base64.getMimeEncoder().encodeToString(html.getBytes(StandardCharsets.US_ASCII)) + "\n");
        assertThat(SpamAssassinCorpus.toText(raw)).isEqualTo("Offer\nHot deal Buy now");

        byte[] cp1252 = "Subject: Quote\n\nit\u2019s here".getBytes(java.nio.charset.Charset.forName("windows-1252"));
        assertThat(SpamAssassinCorpus.toText(cp1252)).isEqualTo("Quote\nit\u2019s here");
    }

    @Test
    void shouldReadEachEmailOnceLabelByGroupAndDropRepeatedTexts() throws Exception {
        Path spam = Files.createDirectories(dir.resolve("spam-1"));
        Path ham = Files.createDirectories(dir.resolve("easy-ham-1"));
        Files.write(spam.resolve("00001.aa.txt"), bytes("Subject: Win\n\nYou won a prize\n"));
        Files.writeString(
                spam.resolve("00001.aa.json"), "{\"id\":\"00001\",\"text\":\"Subject: Win\\n\\nYou won a prize\\n\"}");
        Files.write(ham.resolve("00001.bb.txt"), bytes("Subject: Lunch\n\nNoon?\n"));
        Files.write(ham.resolve("00002.cc.txt"), bytes("Received: x\nSubject: Lunch\n\nNoon?\n"));
        Files.write(ham.resolve("00003.dd.txt"), bytes("Subject: Report\n\nAttached.\n"));

        List<SpamAssassinCorpus.Email> emails = SpamAssassinCorpus.read(dir);

        assertThat(emails).extracting(SpamAssassinCorpus.Email::label).containsExactly("ham", "ham", "spam");
        assertThat(emails)
                .extracting(SpamAssassinCorpus.Email::text)
                .containsExactly("Lunch\nNoon?", "Report\nAttached.", "Win\nYou won a prize");
        SpamAssassinCorpus.Split split = SpamAssassinCorpus.split(emails, 2, 42);
        assertThat(split.train()).hasSize(2);
        assertThat(split.test()).hasSize(1);
        assertThat(SpamAssassinCorpus.split(emails, 2, 42)).isEqualTo(split);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
