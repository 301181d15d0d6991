package dev.streamtune.kafka;

import dev.streamtune.kafka.process.FreePorts;
import java.util.List;

/** Where the broker listens: bind host, advertised host and the port of each listener (SASL port -1 when off). */
record BrokerLayout(String host, String advertisedHost, int port, int controllerPort, int saslPort) {

    /**
     * Resolves 0 ports to free ones on {@code host}, distinct from each other: asked one at a time, with each probe
     * socket closed before the next, the system handed out the same port twice now and then (a broker that refused to
     * start with two listeners on one port).
     */
    static BrokerLayout of(
            String host, String advertisedHost, int port, int controllerPort, boolean sasl, int saslPort) {
        List<Integer> free = FreePorts.pick(host, 3);
        return new BrokerLayout(
                host,
                advertisedHost,
                port == 0 ? free.get(0) : port,
                controllerPort == 0 ? free.get(1) : controllerPort,
                !sasl ? -1 : saslPort == 0 ? free.get(2) : saslPort);
    }

    boolean saslEnabled() {
        return saslPort > 0;
    }

    @Override
    public String toString() {
        return host + " port " + port + ", controller " + controllerPort + (saslEnabled() ? ", sasl " + saslPort : "");
    }
}
