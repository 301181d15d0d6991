package dev.streamtune.inference.support;

import dev.streamtune.inference.stream.KafkaClientFactory;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/**
 * Real clients with a hook before chosen producer or consumer calls, to place a real fault at an exact moment: stop
 * the broker just before a commit, fail a commit made from inside a rebalance callback, or time out a read of the
 * committed offsets. The hook may throw: the call is then not made, as when the client itself fails.
 */
public final class HookedClients implements KafkaClientFactory {

    /** Runs before a producer or consumer call. */
    public interface Hook {
        /**
         * @param call how many times this method has been called on this factory's producers (consumers, for a
         *     consumer hook), this call included
         * @param inRebalance whether the call is made from a consumer rebalance callback
         */
        void before(int call, boolean inRebalance);
    }

    private static final ThreadLocal<Boolean> IN_REBALANCE = ThreadLocal.withInitial(() -> false);

    private final Map<String, Hook> hooks = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, Hook> consumerHooks = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> consumerCalls = new ConcurrentHashMap<>();
    private volatile int revokeEvery;
    private volatile int maxRevocations;
    private final AtomicInteger polls = new AtomicInteger();
    private final AtomicInteger revocations = new AtomicInteger();

    /** Runs {@code hook} before every call of the producer method {@code method}. */
    public HookedClients before(String method, Hook hook) {
        hooks.put(method, hook);
        return this;
    }

    public int calls(String method) {
        return calls.getOrDefault(method, new AtomicInteger()).get();
    }

    /** Runs {@code hook} before every call of the consumer method {@code method}. */
    public HookedClients beforeConsumer(String method, Hook hook) {
        consumerHooks.put(method, hook);
        return this;
    }

    public int consumerCalls(String method) {
        return consumerCalls.getOrDefault(method, new AtomicInteger()).get();
    }

    /**
     * Every {@code n}-th poll first calls the rebalance listener's {@code onPartitionsRevoked} with the consumer's
     * first assigned partition, as the consumer does when a rebalance takes a partition away in a poll, then gives it
     * back at once from its committed offset, as a second cooperative round can. Stops after {@code max} revocations.
     */
    public HookedClients revokeEveryNthPoll(int n, int max) {
        this.revokeEvery = n;
        this.maxRevocations = max;
        return this;
    }

    /** Revocations {@link #revokeEveryNthPoll} made. */
    public int revocations() {
        return revocations.get();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
        Consumer<byte[], byte[]> real = KafkaClientFactory.standard().consumer(config);
        ConsumerRebalanceListener[] subscribed = new ConsumerRebalanceListener[1];
        InvocationHandler handler = (proxy, method, args) -> {
            int n = consumerCalls
                    .computeIfAbsent(method.getName(), k -> new AtomicInteger())
                    .incrementAndGet();
            Hook hook = consumerHooks.get(method.getName());
            if (hook != null) {
                hook.before(n, IN_REBALANCE.get());
            }
            if (method.getName().equals("subscribe")
                    && args != null
                    && args.length == 2
                    && args[1] instanceof ConsumerRebalanceListener listener) {
                subscribed[0] = marking(listener);
                args = new Object[] {args[0], subscribed[0]};
            }
            if (method.getName().equals("poll")
                    && revokeEvery > 0
                    && polls.incrementAndGet() % revokeEvery == 0
                    && subscribed[0] != null
                    && !real.assignment().isEmpty()
                    && revocations.incrementAndGet() <= maxRevocations) {
                TopicPartition taken = real.assignment().iterator().next();
                subscribed[0].onPartitionsRevoked(java.util.List.of(taken));
                // ... and given back at once, as a cooperative rebalance can: read again from the committed offset
                var committed = real.committed(java.util.Set.of(taken)).get(taken);
                if (committed == null) {
                    real.seekToBeginning(java.util.List.of(taken));
                } else {
                    real.seek(taken, committed);
                }
            }
            return invoke(real, method, args);
        };
        return (Consumer<byte[], byte[]>)
                Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Consumer.class}, handler);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Producer<byte[], byte[]> producer(Map<String, Object> config) {
        Producer<byte[], byte[]> real = KafkaClientFactory.standard().producer(config);
        InvocationHandler handler = (proxy, method, args) -> {
            int n = calls.computeIfAbsent(method.getName(), k -> new AtomicInteger())
                    .incrementAndGet();
            Hook hook = hooks.get(method.getName());
            if (hook != null) {
                hook.before(n, IN_REBALANCE.get());
            }
            return invoke(real, method, args);
        };
        return (Producer<byte[], byte[]>)
                Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Producer.class}, handler);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static ConsumerRebalanceListener marking(ConsumerRebalanceListener listener) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                IN_REBALANCE.set(true);
                try {
                    listener.onPartitionsRevoked(partitions);
                } finally {
                    IN_REBALANCE.set(false);
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                listener.onPartitionsAssigned(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                IN_REBALANCE.set(true);
                try {
                    listener.onPartitionsLost(partitions);
                } finally {
                    IN_REBALANCE.set(false);
                }
            }
        };
    }
}
