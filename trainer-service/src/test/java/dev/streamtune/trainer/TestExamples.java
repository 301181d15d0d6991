package dev.streamtune.trainer;

import dev.streamtune.common.event.LabeledExample;
import java.util.ArrayList;
import java.util.List;

/** A small, clearly separable two-label dataset: what a 2-layer MiniLM learns in one quick epoch. */
public final class TestExamples {

    private static final String[] SPAM = {
        "WIN a free cruise now, click here to claim your prize",
        "Cheap pills online, no prescription needed, order today",
        "You have been selected for a cash reward, reply with your bank details",
        "Lose weight fast with this miracle product, limited offer",
        "Congratulations winner! Claim your free gift card immediately",
        "Earn money from home, thousands of dollars every week guaranteed",
        "Hot singles in your area want to meet you tonight",
        "Your account will be suspended, verify your password at this link",
    };
    private static final String[] HAM = {
        "Can we move our project meeting to Thursday afternoon?",
        "Attached are the minutes from yesterday's budget review",
        "Please review the pull request before the release on Friday",
        "Lunch with the design team is at noon in the small room",
        "The quarterly report draft is ready for your comments",
        "Reminder: the server maintenance window starts at 10 pm",
        "Thanks for the notes, I will update the schedule accordingly",
        "Could you send me the slides from the customer workshop?",
    };

    private TestExamples() {}

    /** {@code n} examples, alternating spam and ham, ids {@code prefix-0..n-1}. */
    public static List<LabeledExample> dataset(String prefix, int n) {
        List<LabeledExample> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean spam = i % 2 == 0;
            String[] pool = spam ? SPAM : HAM;
            String text = pool[(i / 2) % pool.length] + " (" + (i / 2 / pool.length + 1) + ")";
            examples.add(LabeledExample.of(prefix + "-" + i, text, spam ? "spam" : "ham"));
        }
        return examples;
    }
}
