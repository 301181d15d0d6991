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

    @Test
    void shouldPutSenderListMailerLinksAndImagesAheadOfTheSubjectButNoDeliveryHeaders() {
        byte[] raw = bytes("From nobody Mon Jan 1 00:00:00 2002\n"
                + "Received: from relay.collector.example by mail.collector.example\n"
                + "Delivered-To: someone@collector.example\n"
                + "Return-Path: <bounce@bulk.example.net>\n"
                + "Date: Mon, 1 Jan 2002 00:00:00 +0000\n"
                + "From: \"Deals Team\" <deals@shop.example.com>\n"
                + "Reply-To: claims@payout.example.org\n"
                + "X-Mailer: Mass Mailer 2.1\n"
                + "List-Unsubscribe: <mailto:off@shop.example.com>\n"
                + "Subject: Offer\n"
                + "MIME-Version: 1.0\n"
                + "Content-Type: multipart/alternative; boundary=\"b\"\n\n"
                + "--b\nContent-Type: text/plain\n\nHot deal at http://www.shop.example.com/buy now\n"
                + "--b\nContent-Type: text/html\n\n<html><body>Hot deal <a href=\"http://www.shop.example.com/buy\">"
                + "buy</a> <a href=\"https://track.example.org/p?id=1\">x</a> <a href=\"mailto:a@b.c\">m</a>"
                + "<img src=\"http://img.example.org/1.gif\"><img src=\"cid:2\"></body></html>\n"
                + "--b--\n");

        String text = SpamAssassinCorpus.toText(raw, true);

        assertThat(text)
                .isEqualTo("From: Deals Team (shop.example.com)\n"
                        + "Reply-To: other domain (payout.example.org)\n"
                        + "Mailer: Mass Mailer 2.1\n"
                        + "List: unsubscribe link\n"
                        + "Links: 3 (shop.example.com, track.example.org)\n"
                        + "Images: 2\n"
                        + "Subject: Offer\n"
                        + "Hot deal at http://www.shop.example.com/buy now");
        assertThat(text)
                .doesNotContain("collector")
                .doesNotContain("bulk.example.net")
                .doesNotContain("2002");
        assertThat(SpamAssassinCorpus.toText(raw)).isEqualTo("Offer\nHot deal at http://www.shop.example.com/buy now");
    }

    @Test
    void shouldNameTheListAndKeepAReplyToInTheSameOrganisationQuiet() {
        byte[] raw = bytes("From: Ann <ann@mail.example.com>\n"
                + "Reply-To: <list@example.com>\n"
                + "List-Id: Exmh Workers <exmh-workers.example.com>\n"
                + "Subject: Patch\n\nSee attached.\n");

        assertThat(SpamAssassinCorpus.toText(raw, true))
                .isEqualTo(
                        "From: Ann (mail.example.com)\nList: exmh-workers.example.com\nSubject: Patch\nSee attached.");
    }

    @Test
    void shouldReadTheSameEmailsWithOrWithoutThePreamble() throws Exception {
        Path ham = Files.createDirectories(dir.resolve("easy-ham-1"));
        Files.write(ham.resolve("00001.bb.txt"), bytes("From: a@x.example\nSubject: Lunch\n\nNoon?\n"));
        Files.write(ham.resolve("00002.cc.txt"), bytes("From: b@y.example\nSubject: Lunch\n\nNoon?\n"));

        assertThat(SpamAssassinCorpus.read(dir, true))
                .extracting(SpamAssassinCorpus.Email::text)
                .containsExactly("From: x.example\nSubject: Lunch\nNoon?");
        assertThat(SpamAssassinCorpus.read(dir, false)).hasSize(1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
