package io.kvflow.engine.route;

import io.kvflow.common.Hashing;
import io.kvflow.trace.batch.RequestBatch;

/**
 * Every request of a session on one instance: a hash of the session id, else of the tenant, else of
 * the request id (a request with neither), modulo the instances.
 */
final class SessionAffinityRouter implements Router {
  private static final long SESSION = 0x7365_7373_696f_6e00L;
  private static final long TENANT = 0x7465_6e61_6e74_0000L;
  private static final long REQUEST = 0x7265_7175_6573_7400L;

  @Override
  public int route(RequestBatch rows, int row, InstanceView[] instances) {
    long h;
    if (rows.hasSessionId(row)) {
      h = Hashing.chain(SESSION, rows.sessionId(row));
    } else {
      String tenant = rows.tenant(row);
      h = tenant != null ? Hashing.chain(TENANT, tenant.hashCode()) : Hashing.chain(REQUEST, rows.requestId(row));
    }
    return (int) Long.remainderUnsigned(h, instances.length);
  }
}
