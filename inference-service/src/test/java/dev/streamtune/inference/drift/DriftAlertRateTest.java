package dev.streamtune.inference.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.model.DriftBaselines;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The drift calculator and alarm, without Kafka, on synthetic traffic: how often traffic from the distribution the
 * validation split came from raises an alert, and how soon a real shift does.
 */
class DriftAlertRateTest {

    private static final double REVIEW_THRESHOLD = 0.6;
    /** A small validation split, as a trainer with a thousand examples and a 10% split has. */
    private static final int VALIDATION_SIZE = 100;

    private static final Duration WINDOW = Duration.ofMinutes(5);

    /** The service's defaults ({@code InferenceConfig.Drift}). */
    private final DriftSettings settings = new DriftSettings(
            "predictions",
            "models",
            "monitoring",
            "simulation",
            WINDOW,
            Duration.ofSeconds(30),
            50,
            REVIEW_THRESHOLD,
            0.2,
            0.25,
            0.1,
            0.2,
            0.05,
            0.5,
            3);

    private final DriftCalculator calculator = new DriftCalculator(settings);

    @Test
    void shouldRaiseNoFalseAlertInTenThousandWindowsAfterATwoHundredTextValidationSplit() {
        // a 1e-4 floor for empty bins and runs across under-sized windows: 8 alerts in these 10,000 windows
        assertThat(falseAlertsPerThousand(200, new SplittableRandom(20261201))).isZero();
    }

    @Test
    void shouldKeepFalseAlertsRareEvenAfterAHundredTextValidationSplit() {
        // a 1e-4 floor for empty bins and runs across under-sized windows: 9.4 per 1,000 windows (now 0.4)
        assertThat(falseAlertsPerThousand(100, new SplittableRandom(20261202))).isLessThanOrEqualTo(1.0);
    }

    /**
     * A hundred trainings, each with its own validation sample of {@code validationSize}, then a hundred windows of
     * 30-300 predictions from the same population after each: the alerts raised per 1,000 windows.
     */
    private double falseAlertsPerThousand(int validationSize, RandomGenerator random) {
        int windows = 0;
        int alerts = 0;
        for (int run = 0; run < 100; run++) {
            DriftSimulation population = DriftSimulation.validationLike(random);
            DriftBaselines baselines = population.baselines(validationSize, REVIEW_THRESHOLD);
            DriftAlarm alarm = DriftAlarm.CLEAR;
            for (int w = 0; w < 100; w++) {
                DriftWindow window = population.window(30 + random.nextInt(271), REVIEW_THRESHOLD);
                DriftAlarm next = step(alarm, w, window, baselines);
                if (next.raisedSince(alarm)) {
                    alerts++;
                }
                alarm = next;
                windows++;
            }
        }
        double perThousand = alerts * 1000.0 / windows;
        System.out.printf(
                "validation split of %d: %d false drift alerts in %d windows (%.1f per 1,000)%n",
                validationSize, alerts, windows, perThousand);
        return perThousand;
    }

    @Test
    void shouldAlertOnTheConfiguredWindowOfARealLabelShift() {
        RandomGenerator random = new SplittableRandom(5);
        DriftBaselines baselines = DriftSimulation.validationLike(random).baselines(VALIDATION_SIZE, REVIEW_THRESHOLD);
        DriftSimulation shifted = new DriftSimulation(random, new double[] {0.3, 0.6, 0.1}, 60);

        assertThat(firstAlert(shifted, baselines, random)).isEqualTo(settings.consecutiveWindows());
    }

    @Test
    void shouldAlertOnTheConfiguredWindowOfLongerTexts() {
        RandomGenerator random = new SplittableRandom(6);
        DriftBaselines baselines = DriftSimulation.validationLike(random).baselines(VALIDATION_SIZE, REVIEW_THRESHOLD);
        DriftSimulation longer = new DriftSimulation(random, new double[] {0.68, 0.30, 0.02}, 180);

        assertThat(firstAlert(longer, baselines, random)).isEqualTo(settings.consecutiveWindows());
    }

    @Test
    void shouldNotCountAnUnderSizedWindowAsABreachNorLetItJoinTwoRuns() {
        RandomGenerator random = new SplittableRandom(7);
        DriftBaselines baselines = DriftSimulation.validationLike(random).baselines(VALIDATION_SIZE, REVIEW_THRESHOLD);
        DriftSimulation shifted = new DriftSimulation(random, new double[] {0.3, 0.6, 0.1}, 60);
        DriftWindow tiny = shifted.window((int) settings.minCount() - 1, REVIEW_THRESHOLD);

        DriftAlarm alarm = step(DriftAlarm.CLEAR, 0, shifted.window(200, REVIEW_THRESHOLD), baselines);
        alarm = step(alarm, 1, shifted.window(200, REVIEW_THRESHOLD), baselines);
        assertThat(alarm.breachedRun()).isEqualTo(2);
        DriftCalculator.Evaluation small = evaluate(2, tiny, baselines);
        alarm = step(alarm, 2, tiny, baselines);

        assertThat(small.sized()).isFalse();
        assertThat(small.event().breached()).isFalse();
        assertThat(small.event().labelPsi()).as("still reported").isGreaterThan(settings.labelPsiThreshold());
        assertThat(alarm.breachedRun()).isZero();
        assertThat(alarm.cleanRun()).isZero();
        alarm = step(alarm, 3, shifted.window(200, REVIEW_THRESHOLD), baselines);
        assertThat(alarm.raised())
                .as("two breaches, a gap, one breach: not three in a row")
                .isFalse();
        alarm = step(alarm, 4, shifted.window(200, REVIEW_THRESHOLD), baselines);
        alarm = step(alarm, 5, shifted.window(200, REVIEW_THRESHOLD), baselines);
        assertThat(alarm.raised()).isTrue();
    }

    @Test
    void shouldBreakTheRunOnAWindowWithNoPredictions() {
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        DriftAlarm alarm = DriftAlarm.CLEAR.next(t0, t0.plus(WINDOW), true, true, 3);
        alarm = alarm.next(t0.plus(WINDOW), t0.plus(WINDOW.multipliedBy(2)), true, true, 3);
        // the third window held nothing, so it never closed: the fourth does not extend the run
        alarm = alarm.next(t0.plus(WINDOW.multipliedBy(3)), t0.plus(WINDOW.multipliedBy(4)), true, true, 3);

        assertThat(alarm.breachedRun()).isEqualTo(1);
        assertThat(alarm.raised()).isFalse();
    }

    @Test
    void shouldClearOnlyAfterTheConfiguredCleanWindowsInARow() {
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        DriftAlarm alarm = DriftAlarm.CLEAR;
        boolean[] breached = {true, true, true, false, false, true, false, false, false};
        boolean[] raisedAfter = {false, false, true, true, true, true, true, true, false};
        for (int w = 0; w < breached.length; w++) {
            alarm = alarm.next(
                    t0.plus(WINDOW.multipliedBy(w)), t0.plus(WINDOW.multipliedBy(w + 1)), true, breached[w], 3);
            assertThat(alarm.raised()).as("after window %d", w).isEqualTo(raisedAfter[w]);
        }
    }

    /** The window index (1-based) whose close raised the alert, or -1 within twenty windows. */
    private int firstAlert(DriftSimulation population, DriftBaselines baselines, RandomGenerator random) {
        DriftAlarm alarm = DriftAlarm.CLEAR;
        for (int w = 0; w < 20; w++) {
            DriftAlarm next = step(alarm, w, population.window(100 + random.nextInt(201), REVIEW_THRESHOLD), baselines);
            if (next.raisedSince(alarm)) {
                return w + 1;
            }
            alarm = next;
        }
        return -1;
    }

    /** What {@link DriftAlertProcessor} does with closed window {@code index}. */
    private DriftAlarm step(DriftAlarm alarm, int index, DriftWindow window, DriftBaselines baselines) {
        DriftCalculator.Evaluation evaluation = evaluate(index, window, baselines);
        return alarm.next(
                evaluation.event().windowStart(),
                evaluation.event().windowEnd(),
                evaluation.sized(),
                evaluation.event().breached(),
                settings.consecutiveWindows());
    }

    private DriftCalculator.Evaluation evaluate(int index, DriftWindow window, DriftBaselines baselines) {
        Instant start = Instant.parse("2026-12-01T00:00:00Z").plus(WINDOW.multipliedBy(index));
        return calculator.evaluate(
                "spam-filter", 1, start, start.plus(WINDOW), window, DriftSimulation.LABELS, baselines);
    }
}
