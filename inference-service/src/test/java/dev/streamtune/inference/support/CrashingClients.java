package dev.streamtune.inference.support;

import dev.streamtune.inference.stream.KafkaClientFactory;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Clients whose producer "dies" at its N-th send, in the middle of a transaction: the send throws an {@link Error}
 * the loop does not survive, and the producer stays open like a zombie process's would (close is ignored), its
 * transaction left open.
 */
public final class CrashingClients implements KafkaClientFactory {

    /** What the simulated process death throws. */
    public static final class SimulatedCrash extends Error {
        SimulatedCrash(String message) {
            super(message);
        }
    }

    private final int crashAtSend;
    private final AtomicInteger sends = new AtomicInteger();
    private volatile Producer<byte[], byte[]> zombie;

    public CrashingClients(int crashAtSend) {
        this.crashAtSend = crashAtSend;
    }

    /** The real producer left behind by the crash. */
    public Producer<byte[], byte[]> zombie() {
        return zombie;
    }

    @Override
    public Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
        return KafkaClientFactory.standard().consumer(config);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Producer<byte[], byte[]> producer(Map<String, Object> config) {
        Producer<byte[], byte[]> real = KafkaClientFactory.standard().producer(config);
        InvocationHandler handler = new InvocationHandler() {
            private volatile boolean crashed;

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                if (crashed && method.getName().equals("close")) {
                    return null; // a dead process closes nothing
                }
                if (method.getName().equals("send") && sends.incrementAndGet() == crashAtSend) {
                    crashed = true;
                    zombie = real;
                    throw new SimulatedCrash("process killed at send #" + crashAtSend);
                }
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        };
        return (Producer<byte[], byte[]>)
                Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Producer.class}, handler);
    }
}
