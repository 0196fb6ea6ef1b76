package io.lakevault.testing;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests a {@link MotoServer}: started on first use, shared by every test
 * class of the run, reset before each test, and stopped when the run ends.
 *
 * <pre>
 * &#64;ExtendWith(MotoExtension.class)
 * class S3Test {
 *   S3Test(MotoServer moto) { ... }
 * }
 * </pre>
 */
public final class MotoExtension implements ParameterResolver, BeforeEachCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MotoExtension.class);

  /** Holder closed by JUnit when the root context closes, which stops the process. */
  private record Holder(MotoServer server) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      server.close();
    }
  }

  static MotoServer server(ExtensionContext ctx) {
    return ctx.getRoot().getStore(NS)
        .getOrComputeIfAbsent("server", k -> new Holder(MotoServer.start()), Holder.class).server();
  }

  @Override
  public void beforeEach(ExtensionContext ctx) {
    server(ctx).reset();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
    return p.getParameter().getType() == MotoServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
    return server(ctx);
  }
}
