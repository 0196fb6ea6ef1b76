package io.lakevault.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests a {@link MotoServer}: started on first use, shared by every test
 * class of the run, reset before each test (or, for a class marked {@link SharedBetweenTests}, once before
 * the class), and stopped when the run ends.
 *
 * <pre>
 * &#64;ExtendWith(MotoExtension.class)
 * class S3Test {
 *   S3Test(MotoServer moto) { ... }
 * }
 * </pre>
 */
public final class MotoExtension implements ParameterResolver, BeforeAllCallback, BeforeEachCallback {
  /**
   * The emulator is reset once before the class, not before each test: its tests share what a
   * {@code @BeforeAll} prepared there (an archived lake costs tens of seconds), so each must leave alone what
   * the others read.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  public @interface SharedBetweenTests {}

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
  public void beforeAll(ExtensionContext ctx) {
    if (shared(ctx)) server(ctx).reset();
  }

  @Override
  public void beforeEach(ExtensionContext ctx) {
    if (!shared(ctx)) server(ctx).reset();
  }

  private static boolean shared(ExtensionContext ctx) {
    return ctx.getRequiredTestClass().isAnnotationPresent(SharedBetweenTests.class);
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
