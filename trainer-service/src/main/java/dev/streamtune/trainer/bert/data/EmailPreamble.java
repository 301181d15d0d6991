package dev.streamtune.trainer.bert.data;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * A few header and structure facts of an email, written as short lines ahead of its subject and body — what a
 * producer in production knows about a message and can send with it: the sender's display name and domain, whether
 * Reply-To points elsewhere, the mail program, the mailing list, the domains its links point to and how many images it
 * shows. Never the delivery headers (Received, Delivered-To, Return-Path, Date, Message-ID): they describe the mailbox
 * the corpus was collected in, not the message, and a model would learn the collector instead of the mail.
 *
 * <p>The format (each line only when there is something to say, in this order):
 *
 * <pre>
 * From: Jane Doe (example.com)          (or "From: example.com" without a display name)
 * Reply-To: other domain (offers.example.net)
 * Mailer: Microsoft Outlook Express 6.00
 * List: exmh-workers.redhat.com
 * Links: 3 (example.com, tracker.example.org)
 * Images: 2
 * </pre>
 */
public final class EmailPreamble {

    /** Link domains listed at most; the count covers them all. */
    static final int MAX_LINK_DOMAINS = 4;

    private static final int MAX_VALUE_CHARS = 60;
    private static final Pattern URL = Pattern.compile("(?i)\\bhttps?://([a-z0-9.-]+)");

    private EmailPreamble() {}

    /** The preamble lines of {@code message}, each ending in a newline; empty when nothing is known. */
    static String of(MimeMessage message, Charset fallback) {
        StringBuilder lines = new StringBuilder();
        Sender from = sender(message);
        if (from != null) {
            lines.append("From: ")
                    .append(from.name().isBlank() ? from.domain() : from.name() + " (" + from.domain() + ")")
                    .append('\n');
            String replyTo = replyToDomain(message);
            if (replyTo != null && !sameOrganisation(replyTo, from.domain())) {
                lines.append("Reply-To: other domain (").append(replyTo).append(")\n");
            }
        }
        String mailer = firstHeader(message, "X-Mailer", "User-Agent");
        if (mailer != null) {
            lines.append("Mailer: ").append(mailer).append('\n');
        }
        String list = listName(message);
        if (list != null) {
            lines.append("List: ").append(list).append('\n');
        }
        Structure structure = new Structure();
        try {
            structure.scan(message, fallback);
        } catch (MessagingException | IOException | RuntimeException e) {
            // malformed MIME: what was scanned before the damage still counts
        }
        if (structure.links > 0) {
            lines.append("Links: ")
                    .append(structure.links)
                    .append(" (")
                    .append(String.join(", ", structure.domains))
                    .append(")\n");
        }
        if (structure.images > 0) {
            lines.append("Images: ").append(structure.images).append('\n');
        }
        return lines.toString();
    }

    private record Sender(String name, String domain) {}

    private static Sender sender(MimeMessage message) {
        try {
            Address[] from = message.getFrom();
            if (from == null || from.length == 0 || !(from[0] instanceof InternetAddress address)) {
                return null;
            }
            String domain = domain(address.getAddress());
            if (domain == null) {
                return null;
            }
            String personal = address.getPersonal();
            return new Sender(clip(personal == null ? "" : personal.replace("\"", "")), domain);
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    private static String replyToDomain(MimeMessage message) {
        try {
            String header = message.getHeader("Reply-To", ",");
            if (header == null) {
                return null;
            }
            InternetAddress[] addresses = InternetAddress.parseHeader(header, false);
            return addresses.length == 0 ? null : domain(addresses[0].getAddress());
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    private static String domain(String address) {
        if (address == null) {
            return null;
        }
        int at = address.lastIndexOf('@');
        String domain = at < 0 ? "" : address.substring(at + 1).trim().toLowerCase(Locale.ROOT);
        return domain.isEmpty() ? null : clip(domain.replaceAll("[>\\s]", ""));
    }

    /** {@code mail.example.com} and {@code example.com} are one organisation; so are equal domains. */
    static boolean sameOrganisation(String a, String b) {
        return a.equals(b) || a.endsWith("." + b) || b.endsWith("." + a);
    }

    private static String listName(MimeMessage message) {
        String id = firstHeader(message, "List-Id");
        if (id != null) {
            int open = id.lastIndexOf('<');
            int close = id.lastIndexOf('>');
            return open >= 0 && close > open ? clip(id.substring(open + 1, close)) : id;
        }
        return firstHeader(message, "List-Unsubscribe") != null ? "unsubscribe link" : null;
    }

    private static String firstHeader(MimeMessage message, String... names) {
        for (String name : names) {
            try {
                String value = message.getHeader(name, null);
                if (value != null && !value.isBlank()) {
                    return clip(value.replaceAll("\\s+", " ").strip());
                }
            } catch (MessagingException | RuntimeException e) {
                // unreadable header: as if absent
            }
        }
        return null;
    }

    private static String clip(String value) {
        return value.length() <= MAX_VALUE_CHARS ? value : value.substring(0, MAX_VALUE_CHARS);
    }

    /** Links and images over every part, alternatives included (the text the model reads comes from one of them). */
    private static final class Structure {
        private final Set<String> domains = new LinkedHashSet<>();
        private int links;
        private int images;
        private final Set<String> linkTargets = new LinkedHashSet<>();

        void scan(Part part, Charset fallback) throws MessagingException, IOException {
            if (part.isMimeType("multipart/*")) {
                Multipart multipart = (Multipart) part.getContent();
                for (int i = 0; i < multipart.getCount(); i++) {
                    BodyPart child = multipart.getBodyPart(i);
                    scan(child, fallback);
                }
            } else if (part.isMimeType("message/rfc822")) {
                if (part.getContent() instanceof Part nested) {
                    scan(nested, fallback);
                }
            } else if (part.isMimeType("image/*")) {
                images++;
            } else if (part.isMimeType("text/*") || part.getContentType() == null) {
                String text = read(part, fallback);
                if (part.isMimeType("text/html") || text.regionMatches(true, 0, "<html", 0, 5)) {
                    html(Jsoup.parse(text));
                } else {
                    plain(text);
                }
            }
        }

        private void html(Document document) {
            for (Element a : document.select("a[href]")) {
                link(a.attr("href"));
            }
            images += document.select("img").size();
        }

        private void plain(String text) {
            Matcher m = URL.matcher(text);
            while (m.find()) {
                link(m.group());
            }
        }

        private void link(String href) {
            Matcher m = URL.matcher(href);
            if (!m.lookingAt() || !linkTargets.add(href)) {
                return; // mailto:, anchors, relative links, or a link seen in the other alternative
            }
            links++;
            String host = m.group(1).toLowerCase(Locale.ROOT);
            if (host.startsWith("www.")) {
                host = host.substring(4);
            }
            if (domains.size() < MAX_LINK_DOMAINS && !host.isEmpty()) {
                domains.add(clip(host));
            }
        }

        private static String read(Part part, Charset fallback) throws MessagingException, IOException {
            try (InputStream in = part.getInputStream()) {
                return new String(in.readAllBytes(), fallback);
            }
        }
    }
}
