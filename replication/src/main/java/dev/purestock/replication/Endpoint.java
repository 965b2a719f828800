package dev.purestock.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;

/** A {@code host:port} a pair talks on, and the Aeron UDP channel for it. */
record Endpoint(String host, int port) {

    /**
     * Parses {@code host:port} ({@code [v6address]:port} for IPv6).
     *
     * @throws IllegalArgumentException when it is not one, naming {@code what}
     */
    static Endpoint parse(String hostPort, String what) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException(what + " must be HOST:PORT, was " + hostPort);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be HOST:PORT with a numeric port, was " + hostPort, e);
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(what + " port must be 0 to 65535, was " + port);
        }
        return new Endpoint(hostPort.substring(0, colon), port);
    }

    /**
     * Parses the {@code host:port} of the other side, which must name a port (0 lets a listener pick one, but there
     * is no port 0 to send to).
     *
     * @throws IllegalArgumentException when it is not {@code HOST:PORT} with a port from 1 to 65535, naming
     *                                  {@code what}
     */
    static Endpoint parseRemote(String hostPort, String what) {
        Endpoint endpoint = parse(hostPort, what);
        if (endpoint.port() == 0) {
            throw new IllegalArgumentException(what + " must name the port to send to (1 to 65535), was " + hostPort);
        }
        return endpoint;
    }

    /** The local address packets to {@code remote} leave from: what the remote side can send back to. */
    static String localAddressTowards(Endpoint remote) {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(remote.host(), remote.port() == 0 ? 9 : remote.port()));
            String address = probe.getLocalAddress().getHostAddress();
            return address.contains(":") ? "[" + address + "]" : address;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a local address that reaches " + remote, e);
        }
    }

    /** The Aeron UDP channel with this endpoint, and {@code params} ({@code key=value|...}, or empty). */
    String channel(String params) {
        return "aeron:udp?endpoint=" + host + ":" + port + (params.isEmpty() ? "" : "|" + params);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
