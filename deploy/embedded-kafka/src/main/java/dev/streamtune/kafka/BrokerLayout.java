package dev.streamtune.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Where the broker listens: bind host, advertised host and the port of each listener (SASL port -1 when off). */
record BrokerLayout(String host, String advertisedHost, int port, int controllerPort, int saslPort) {

    /** Resolves 0 ports to free ones on {@code host}. */
    static BrokerLayout of(
            String host, String advertisedHost, int port, int controllerPort, boolean sasl, int saslPort) {
        return new BrokerLayout(
                host,
                advertisedHost,
                port == 0 ? freePort(host) : port,
                controllerPort == 0 ? freePort(host) : controllerPort,
                !sasl ? -1 : saslPort == 0 ? freePort(host) : saslPort);
    }

    boolean saslEnabled() {
        return saslPort > 0;
    }

    @Override
    public String toString() {
        return host + " port " + port + ", controller " + controllerPort + (saslEnabled() ? ", sasl " + saslPort : "");
    }

    private static int freePort(String host) {
        try (var socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }
}
