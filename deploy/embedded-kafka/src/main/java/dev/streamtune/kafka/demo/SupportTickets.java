package dev.streamtune.kafka.demo;

import dev.streamtune.common.event.LabeledExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Synthetic support tickets for the local demo: short customer messages labelled {@code billing}, {@code technical},
 * {@code shipping} or {@code account}, built from templates and fillers with a seeded random source, so the demo needs
 * no download and the same seed gives the same tickets. Each label's templates share little vocabulary with the
 * others, but a fraction of the tickets mention a second topic in passing, so the task is not a keyword lookup.
 */
public final class SupportTickets {

    public static final List<String> LABELS = List.of("billing", "technical", "shipping", "account");

    private static final Map<String, List<String>> TEMPLATES = Map.of(
            "billing",
            List.of(
                    "I was charged twice for my {plan} subscription this month",
                    "Why is my invoice for {month} higher than the price on your website?",
                    "Please refund the {amount} you took from my card yesterday",
                    "My credit card payment keeps getting declined when I try to renew",
                    "Can I get a receipt with our VAT number for the {month} invoice?",
                    "You billed me after I cancelled the {plan} plan, I want my money back",
                    "The discount code {code} was not applied to my last payment",
                    "How do I switch from monthly to annual billing and what does it cost?"),
            "technical",
            List.of(
                    "The app crashes every time I open the {feature} screen on my {device}",
                    "I get error {code} when I try to sync my data",
                    "The {feature} page has been loading forever since the last update",
                    "After updating to version {version} the {feature} button does nothing",
                    "Notifications stopped working on my {device}",
                    "Export to CSV fails with a timeout when the report is large",
                    "The website shows a blank white page in {browser}",
                    "Login works but the {feature} dashboard throws an internal server error"),
            "shipping",
            List.of(
                    "My package with tracking number {code} has not moved for {days} days",
                    "The parcel arrived damaged and the box was open",
                    "Can you deliver my order to a different address in {city}?",
                    "The courier says delivered but nothing arrived at my door",
                    "How long does shipping to {city} usually take?",
                    "I received the wrong item in my order, I ordered a {item}",
                    "My order from {month} still shows as processing, when will it ship?",
                    "Part of my order is missing, only one {item} was in the box"),
            "account",
            List.of(
                    "I cannot reset my password, the reset email never arrives",
                    "Please delete my account and all my personal data",
                    "How do I change the email address on my profile?",
                    "My account was locked after too many login attempts",
                    "I want to add a colleague to our team workspace as an admin",
                    "Someone logged into my account from {city}, I did not do that",
                    "How can I enable two-factor authentication on my profile?",
                    "Please merge my two accounts, I signed up twice with different emails"));

    private static final Map<String, List<String>> FILLERS = Map.ofEntries(
            Map.entry("plan", List.of("Pro", "Team", "Basic", "Enterprise", "Family")),
            Map.entry("month", List.of("January", "March", "May", "July", "September", "November")),
            Map.entry("amount", List.of("$19.99", "49 euros", "$120", "£15", "$7.50")),
            Map.entry("code", List.of("E-4031", "X7781", "502", "SUMMER20", "TRK99812", "AB-17")),
            Map.entry("feature", List.of("settings", "reports", "calendar", "search", "checkout", "profile")),
            Map.entry("device", List.of("iPhone", "Android phone", "iPad", "Pixel", "Windows 11 laptop")),
            Map.entry("version", List.of("4.2.1", "5.0", "3.9.7", "6.1")),
            Map.entry("browser", List.of("Firefox", "Chrome", "Safari", "Edge")),
            Map.entry("days", List.of("five", "eight", "twelve", "three")),
            Map.entry("city", List.of("Lyon", "Denver", "Osaka", "Leeds", "Porto", "Austin")),
            Map.entry("item", List.of("blue jacket", "phone case", "coffee grinder", "pair of boots", "desk lamp")));

    private static final Pattern SLOT = Pattern.compile("\\{([a-z]+)}");

    private static final List<String> OPENERS =
            List.of("", "", "Hi, ", "Hello, ", "Urgent: ", "Hi team, ", "Good morning. ");
    private static final List<String> CLOSERS = List.of("", "", " Thanks.", " Please help.", " Thank you!", " Regards");
    private static final Map<String, String> ASIDES = Map.of(
            "billing", " I already paid for it.",
            "technical", " The app is slow too.",
            "shipping", " My last delivery was fine.",
            "account", " I am logged in right now.");

    private SupportTickets() {}

    /** {@code count} labelled tickets with ids {@code <idPrefix>-<n>}, labels in turn, from {@code seed}. */
    public static List<LabeledExample> generate(int count, long seed, String idPrefix) {
        SplittableRandom random = new SplittableRandom(seed);
        List<LabeledExample> tickets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String label = LABELS.get(i % LABELS.size());
            tickets.add(LabeledExample.of(idPrefix + "-" + i, text(label, random), label));
        }
        return tickets;
    }

    private static String text(String label, SplittableRandom random) {
        // slots filled left to right: the draws, hence the text, depend only on the seed
        String body = SLOT.matcher(pick(TEMPLATES.get(label), random))
                .replaceAll(slot -> Matcher.quoteReplacement(pick(FILLERS.get(slot.group(1)), random)));
        String aside = "";
        if (random.nextInt(5) == 0) {
            String other = LABELS.get(random.nextInt(LABELS.size()));
            aside = other.equals(label) ? "" : ASIDES.get(other);
        }
        return pick(OPENERS, random) + body + aside + pick(CLOSERS, random);
    }

    private static String pick(List<String> options, SplittableRandom random) {
        return options.get(random.nextInt(options.size()));
    }
}
