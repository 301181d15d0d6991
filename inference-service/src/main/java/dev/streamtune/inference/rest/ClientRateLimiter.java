package dev.streamtune.inference.rest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * A token bucket per client (Bucket4j): {@code requests} per {@code period}, refilled gradually. Buckets live in a
 * bounded Caffeine cache and are forgotten after a period without requests, when they would be full again anyway.
 */
public final class ClientRateLimiter {

    private final int requests;
    private final Duration period;
    private final Cache<String, Bucket> buckets;

    public ClientRateLimiter(int requests, Duration period, int maxClients) {
        if (requests < 1 || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a rate limit needs requests >= 1 and a positive period");
        }
        this.requests = requests;
        this.period = period;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxClients)
                .expireAfterAccess(period)
                .build();
    }

    /** Takes one request from {@code client}'s bucket; empty when allowed, else the whole seconds to wait. */
    public OptionalLong acquire(String client) {
        Bucket bucket = buckets.get(client, k -> Bucket.builder()
                .addLimit(limit -> limit.capacity(requests).refillGreedy(requests, period))
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return OptionalLong.empty();
        }
        long nanos = probe.getNanosToWaitForRefill();
        return OptionalLong.of(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }
}
