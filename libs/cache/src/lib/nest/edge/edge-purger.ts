/**
 * The L3 edge (a CDN or a reverse proxy in front of the services). The module calls it after the
 * engine has invalidated keys or tags, so cached HTTP responses carrying those keys/tags as
 * `Surrogate-Key` values are dropped at the edge too.
 *
 * Implementations must not throw for an edge that is down: they report through the returned
 * promise's rejection, which the caller logs and counts; a purge failure never fails the request
 * or the invalidation that triggered it.
 */
export interface EdgePurger {
  /** A short name for logs and metrics, e.g. `varnish`, `cloudfront`. */
  readonly name: string;
  /** Purges every edge object tagged with any of the surrogate keys. */
  purgeSurrogateKeys(keys: readonly string[]): Promise<void>;
}
