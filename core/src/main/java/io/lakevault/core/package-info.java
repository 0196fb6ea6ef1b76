/**
 * The lakevault core: everything that knows neither Spark nor the AWS SDK.
 *
 * <ul>
 *   <li>{@code config}: settings, their defaults and the YAML/--conf loader;
 *   <li>{@code store}: the {@link io.lakevault.core.store.ObjectStore} contract, S3 URIs, S3 limits,
 *       and the local-disk store that is the embedded default;
 * </ul>
 *
 * Later packages (policy, planning, pack format, cost model) live here too, so they are unit-tested
 * in milliseconds without a cluster.
 */
package io.lakevault.core;
