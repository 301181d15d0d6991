package dev.streamtune.kafka.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports free right now on a host. Another process may still take one before the broker binds it: callers retry with
 * fresh ports when a start fails to bind.
 */
public final class FreePorts {

    private FreePorts() {}

    /** {@code count} distinct ports: every socket stays open until all are picked. */
    public static List<Integer> pick(String host, int count) {
        var sockets = new ArrayList<ServerSocket>();
        try {
            for (int i = 0; i < count; i++) {
                var socket = new ServerSocket(0, 1, InetAddress.getByName(host));
                socket.setReuseAddress(true);
                sockets.add(socket);
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("no free ports on " + host, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket that never accepted anything
                }
            }
        }
    }
}
