package io.lakevault.core;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/** The JDK's HTTP server as lakevault's endpoints (the desk, serve-s3) use it. */
public final class HttpServers {
  private HttpServers() {}

  /**
   * A server bound to {@code address} (port 0: any free port), not yet started. Its sockets send without
   * Nagle's delay: the JDK server writes a response's headers and body separately, and with Nagle on the
   * body waits for the client's delayed ACK of the headers — 40 ms per small response on Linux, which
   * capped serve-s3 at 167 GETs/s of 8 KiB objects (1,590 with the delay off, bench/README.md). The
   * server reads the property once, when its first instance is made, so it is set before that.
   */
  public static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    return HttpServer.create(address, backlog);
  }

  /** The server's base URL, without a trailing slash; the wildcard address is shown as 127.0.0.1. */
  public static String url(HttpServer server) {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
