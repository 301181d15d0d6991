package dev.streamtune.common.kafka;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who ended this producer's transaction, asked of the transaction coordinator after an {@code
 * InvalidTxnStateException}. That exception comes both when the coordinator aborted the transaction because it timed
 * out (a broker pause, a long GC: replace the producer and go on) and when another producer with the same
 * transactional id started and aborted it on its way (a second replica with the same instance name: this one must stop,
 * since a new producer would fence the other one back).
 *
 * <p>The two leave different marks. A timeout leaves the transaction {@code CompleteAbort} at the epoch the abort bumped
 * it to, and nothing moves it from there until this instance's producer comes back. Another producer's {@code
 * initTransactions} fences (one bump, an abort) and then bumps again to become the owner: the state goes to {@code
 * Empty}, then {@code Ongoing} and {@code Complete*} as it works. So the coordinator is read once nothing is pending,
 * and again a moment later: {@code CompleteAbort} at the same producer id and epoch both times is this producer's own
 * aborted transaction; any other state, or an epoch that moved, is another owner.
 */
public final class TransactionOwnership {

    /** What the coordinator's record says happened. */
    public enum Verdict {
        /** The transaction was aborted (a timeout) and nobody has used the transactional id since. */
        ABORTED_ONLY,
        /** Another producer initialized the transactional id after this one: stop, do not fence it back. */
        TAKEN_OVER,
        /** The coordinator could not be read, or stayed in a transition: assume the old behaviour (replace). */
        UNKNOWN
    }

    private static final Logger LOG = LoggerFactory.getLogger(TransactionOwnership.class);
    private static final Set<TransactionState> PENDING = EnumSet.of(
            TransactionState.PREPARE_ABORT, TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_EPOCH_FENCE);
    private static final Duration PENDING_WAIT = Duration.ofSeconds(5);

    private final Admin admin;
    private final Duration settle;

    /**
     * @param admin a client of the cluster the producer writes to (needs DESCRIBE on the transactional id, which a
     *     producer allowed to WRITE it has)
     * @param settle how long the record must stay put to count as settled: longer than a second producer takes
     *     between its fencing bump and its own (a retried request, 100 ms to 1 s)
     */
    public TransactionOwnership(Admin admin, Duration settle) {
        this.admin = admin;
        this.settle = settle;
    }

    /**
     * Whether {@code failure} says the transaction ended under the producer ({@code InvalidTxnStateException} in its
     * cause chain): the case in which to {@link #check} before replacing the producer.
     */
    public static boolean endedUnder(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidTxnStateException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether another producer took {@code transactionalId}: {@code failure} {@link #endedUnder} the producer and the
     * coordinator's record says {@link Verdict#TAKEN_OVER}. False when it cannot tell (the admin client cannot be made,
     * the record cannot be read): the caller then replaces its producer, as it did before this check. Logs the verdict.
     *
     * @param admin the admin client to ask, made on first use by the caller (and kept, and closed, by it)
     */
    public static boolean takenOver(Supplier<Admin> admin, String transactionalId, Duration settle, Throwable failure)
            throws InterruptedException {
        if (!endedUnder(failure)) {
            return false;
        }
        Verdict verdict;
        try {
            verdict = new TransactionOwnership(admin.get(), settle).check(transactionalId);
        } catch (RuntimeException e) {
            LOG.warn("Cannot ask who owns {} ({}); replacing the producer", transactionalId, e.toString());
            return false;
        }
        LOG.warn(
                "Transaction of {} ended under it ({}); the coordinator's record says {}",
                transactionalId,
                failure.toString(),
                verdict);
        return verdict == Verdict.TAKEN_OVER;
    }

    /** Reads the coordinator's record of {@code transactionalId} twice, {@code settle} apart, and judges. */
    public Verdict check(String transactionalId) throws InterruptedException {
        TransactionDescription first = settled(transactionalId);
        if (first == null) {
            return Verdict.UNKNOWN;
        }
        Thread.sleep(settle.toMillis());
        TransactionDescription second = settled(transactionalId);
        return second == null ? Verdict.UNKNOWN : judge(first, second);
    }

    /**
     * The verdict on two reads of the coordinator's record, {@code settle} apart, neither in a pending transition. This
     * producer has not called {@code initTransactions} since its transaction began and its transaction did not commit.
     */
    static Verdict judge(TransactionDescription first, TransactionDescription second) {
        boolean samePair = first.producerId() == second.producerId() && first.producerEpoch() == second.producerEpoch();
        return switch (second.state()) {
            // this producer's transaction aborted, and nobody bumped the epoch since
            case COMPLETE_ABORT -> samePair ? Verdict.ABORTED_ONLY : Verdict.TAKEN_OVER;
            // another producer's initTransactions (Empty), or its transactions
            case EMPTY, ONGOING, COMPLETE_COMMIT -> Verdict.TAKEN_OVER;
            default -> Verdict.UNKNOWN;
        };
    }

    /** The record once no transition is pending (at most {@link #PENDING_WAIT}); null if it cannot be read. */
    private TransactionDescription settled(String transactionalId) throws InterruptedException {
        long deadline = System.nanoTime() + PENDING_WAIT.toNanos();
        while (true) {
            TransactionDescription description;
            try {
                description = admin.describeTransactions(
                                List.of(transactionalId), new DescribeTransactionsOptions().timeoutMs(5_000))
                        .description(transactionalId)
                        .get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                return null;
            }
            if (!PENDING.contains(description.state()) || System.nanoTime() > deadline) {
                return description;
            }
            Thread.sleep(100);
        }
    }
}
