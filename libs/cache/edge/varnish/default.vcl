vcl 4.1;
#
# L3 edge for the four services (libs/cache, issue #5). Used as is by `npm run stack:up`
# (scripts/stack/stack.sh renders the backend ports into .stack/varnish/default.vcl) and by the
# Varnish integration specs (libs/cache/src/lib/nest/edge/testing/varnish-server.ts points every
# backend at the fixture app).
#
# - One listener per service, named after it (`-a bid=127.0.0.1:16081 ...`); the listener picks
#   the backend.
# - The edge stores only what the service marks for it, never on its own defaults: a response is
#   kept only when its `Cache-Control` says `public` with an `s-maxage` above 0 (and not `private`,
#   `no-store` or `no-cache`), it carries a `Surrogate-Key` (so invalidation can purge it) and its
#   status is below 500. `@CacheRoute` marks exactly its stored statuses (`statuses`, default 200)
#   that way; everything else — routes without `@CacheRoute`, errors, authenticated answers
#   (`private`) — reaches the app every time. Requests with `Authorization` or `Cookie` are passed,
#   and responses vary on every identity header the app declares, so a caller the app identifies
#   never gets the anonymous copy. Varnish's own rules still apply on top (e.g. it only
#   stores 200, 203, 204, 300, 301, 304, 404, 410, 414 by default).
# - Every cached object is indexed by the words of its `Surrogate-Key` response header (the cache
#   key, the tags and the namespace) through the xkey vmod (varnish-modules).
# - `PURGE` with an `xkey-purge: <key> <key> ...` header (or `xkey-softpurge`) drops every object
#   carrying one of the keys; only from 127.0.0.1 (the `purgers` ACL). The app's `VarnishPurger`
#   sends it whenever the cache module invalidates keys or tags.
# - Responses served from Varnish's cache say `X-Cache: HIT` and `X-Cache-Layer: edge`; on a miss
#   the service's own `X-Cache` (`MISS`, or `HIT` + `l1`/`l2`) passes through.

import std;
import xkey;

# Backend ports: 3101-3104 are the services' defaults (BID_HTTP_PORT ... override them).
backend bid {
  .host = "127.0.0.1";
  .port = "3101";
}
backend routing {
  .host = "127.0.0.1";
  .port = "3102";
}
backend compliance {
  .host = "127.0.0.1";
  .port = "3103";
}
backend analytics {
  .host = "127.0.0.1";
  .port = "3104";
}

acl purgers {
  "127.0.0.1";
  "::1";
}

sub vcl_recv {
  if (local.socket == "routing") {
    set req.backend_hint = routing;
  } elsif (local.socket == "compliance") {
    set req.backend_hint = compliance;
  } elsif (local.socket == "analytics") {
    set req.backend_hint = analytics;
  } else {
    set req.backend_hint = bid;
  }

  if (req.method == "PURGE") {
    if (client.ip !~ purgers) {
      return (synth(403, "Forbidden"));
    }
    if (req.http.xkey-purge) {
      set req.http.x-purged = xkey.purge(req.http.xkey-purge);
    } elsif (req.http.xkey-softpurge) {
      set req.http.x-purged = xkey.softpurge(req.http.xkey-softpurge);
    } else {
      return (synth(400, "PURGE needs an xkey-purge or xkey-softpurge header"));
    }
    return (synth(200, "Purged"));
  }

  # A request that carries credentials is never answered from the cache, whatever a stored object's Vary
  # says (the built-in VCL does the same; stated here so no edit above can lose it). Credentials in other
  # headers (an API key read by the app's own middleware) are kept apart by `Vary`: the app names every
  # identity header (`http.identityHeaders`) in the Vary of each response that is not public for all.
  if (req.http.Authorization || req.http.Cookie) {
    return (pass);
  }
  # Only GET and HEAD are cached (the built-in VCL passes other methods).
}

sub vcl_backend_response {
  # The xkey vmod indexes objects by the `xkey` header: fill it from the standard Surrogate-Key.
  if (beresp.http.Surrogate-Key && !beresp.http.xkey) {
    set beresp.http.xkey = beresp.http.Surrogate-Key;
  }
  # Only what the service marked for the edge is stored (see the header comment): without this,
  # Varnish keeps header-less 200s and 404s for its default TTL, where no purge ever reaches them.
  # Anything else becomes a hit-for-miss object: later requests reach the app, and a later
  # response that is marked replaces it.
  if (beresp.status >= 500 ||
      beresp.http.Cache-Control !~ "(?i)(^|,)\s*public\s*(,|$)" ||
      beresp.http.Cache-Control !~ "(?i)(^|,)\s*s-maxage\s*=\s*0*[1-9]" ||
      beresp.http.Cache-Control ~ "(?i)private|no-store|no-cache" ||
      beresp.http.Surrogate-Key !~ "\S") {
    set beresp.uncacheable = true;
    set beresp.ttl = 120s;
    return (deliver);
  }
}

sub vcl_deliver {
  if (obj.hits > 0) {
    set resp.http.X-Cache = "HIT";
    set resp.http.X-Cache-Layer = "edge";
  }
  # Surrogate keys are for the edge, not for clients.
  unset resp.http.xkey;
  unset resp.http.Surrogate-Key;
}

sub vcl_synth {
  if (req.method == "PURGE") {
    set resp.http.X-Purged = req.http.x-purged;
  }
}
