package io.lakevault.bench;

import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * An S3-compatible endpoint on loopback for benchmarks: serves GET and HEAD of the objects of a local
 * store's root (path-style, by version id or current version, If-Match honoured) with an injected
 * latency before each answer, as S3's first byte takes: a log-normal around {@code medianMs} (sigma 0.25:
 * most between 0.7 and 1.5 times it) and, for a {@code tail} fraction drawn at random, {@code tailMs}.
 * Seeded. No signature check, no writes: the lake's side of an archive run, nothing else.
 *
 * <p>Netty, with the latency as a timer on the event loop, not a sleeping thread: the JDK's HttpServer
 * with a sleeping thread per request answered some GETs later than the client's attempt timeouts allow
 * (bench/README.md), which would have measured the server, not the client.
 * It runs in a process of its own ({@code java ... LatencyS3Server ROOT MEDIAN_MS TAIL_MS TAIL SEED}), so
 * the CPU it spends is measured apart from the job's; it prints {@code port N} when ready.
 */
public final class LatencyS3Server {
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final ObjectStore store;
  private final double medianMs;
  private final double tailMs;
  private final double tail;
  private final SplittableRandom random;

  LatencyS3Server(Path root, double medianMs, double tailMs, double tail, long seed) {
    this.store = new LocalObjectStore(root);
    this.medianMs = medianMs;
    this.tailMs = tailMs;
    this.tail = tail;
    this.random = new SplittableRandom(seed);
  }

  public static void main(String[] args) throws Exception {
    LatencyS3Server s = new LatencyS3Server(Path.of(args[0]), Double.parseDouble(args[1]), Double.parseDouble(args[2]),
        Double.parseDouble(args[3]), Long.parseLong(args[4]));
    EventLoopGroup boss = new NioEventLoopGroup(1);
    EventLoopGroup workers = new NioEventLoopGroup(2);
    Channel server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), s.new Handler());
          }
        })
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    System.out.println("port " + ((InetSocketAddress) server.localAddress()).getPort());
    System.out.flush();
    // Runs until its parent kills it.
    server.closeFuture().sync();
  }

  private long delayMicros() {
    synchronized (random) {
      double u = random.nextDouble();
      // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
      double g = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
      return (long) ((u < tail ? tailMs : medianMs * Math.exp(0.25 * g)) * 1000);
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String uri = req.uri();
      boolean head = req.method().equals(HttpMethod.HEAD);
      String ifMatch = req.headers().get("If-Match");
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      ctx.executor().schedule(() -> respond(ctx, uri, head, ifMatch, keepAlive), delayMicros(), TimeUnit.MICROSECONDS);
    }

    private void respond(ChannelHandlerContext ctx, String uri, boolean head, String ifMatch, boolean keepAlive) {
      QueryStringDecoder q = new QueryStringDecoder(uri);
      String path = q.path().substring(1);
      int slash = path.indexOf('/');
      List<String> version = q.parameters().get("versionId");
      ObjectRef ref = new ObjectRef(path.substring(0, slash), path.substring(slash + 1),
          version == null ? null : version.get(0));
      FullHttpResponse r;
      try (ObjectStore.ObjectContent c = store.open(ref, ifMatch == null ? null : ifMatch.replace("\"", ""))) {
        byte[] bytes = head ? new byte[0] : c.stream().readAllBytes();
        r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes));
        r.headers().set("ETag", "\"" + c.metadata().eTag() + "\"")
            .set("Last-Modified", HTTP_DATE.format(c.metadata().lastModified()))
            .set("x-amz-version-id", c.metadata().versionId())
            .set(HttpHeaderNames.CONTENT_LENGTH, c.metadata().size());
        if (c.metadata().contentType() != null) r.headers().set(HttpHeaderNames.CONTENT_TYPE, c.metadata().contentType());
      } catch (ObjectStoreException | IOException e) {
        HttpResponseStatus status = e instanceof ObjectStoreException o ? switch (o.reason()) {
          case NOT_FOUND, NO_SUCH_BUCKET -> HttpResponseStatus.NOT_FOUND;
          case PRECONDITION_FAILED -> HttpResponseStatus.PRECONDITION_FAILED;
          default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        } : HttpResponseStatus.INTERNAL_SERVER_ERROR;
        String code = status.code() == 404 ? "NoSuchKey" : status.code() == 412 ? "PreconditionFailed" : "InternalError";
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
            + e.getMessage() + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
        r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(head ? new byte[0] : xml));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml").set(HttpHeaderNames.CONTENT_LENGTH, head ? 0 : xml.length);
      }
      if (keepAlive) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(r);
      } else {
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
