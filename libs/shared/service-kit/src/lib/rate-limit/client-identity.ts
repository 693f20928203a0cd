import type { TrustProxy } from '@platform/config';

/** The parts of an HTTP request (Express or Fastify) that say who sent it. */
export interface HttpClientLike {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  /** Fastify's Node request. */
  raw?: { socket?: { remoteAddress?: string } };
}

/**
 * The address of the client that sent an HTTP request. `X-Forwarded-For` is believed only as far as
 * `trustProxy` says (see `HTTP_TRUST_PROXY`): otherwise anyone could pick a fresh address per request.
 */
export function httpClientAddress(request: HttpClientLike, trustProxy: TrustProxy): string {
  const socket = request.socket?.remoteAddress ?? request.raw?.socket?.remoteAddress ?? 'unknown';
  if (trustProxy === false) return socket;
  const header = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  if (hops.length === 0) return socket;
  if (trustProxy === true) return hops[0];
  // The socket is the closest proxy; the N-1 next hops to its left were added by our other proxies.
  return hops[Math.max(0, hops.length - trustProxy)];
}

/** The address part of a gRPC peer (`ipv4:127.0.0.1:5123`, `ipv6:[::1]:5123`), without the port. */
export function grpcClientAddress(peer: string | undefined): string {
  if (peer === undefined || peer === '') return 'unknown';
  const address = peer.replace(/^(ipv4|ipv6|unix):/, '');
  const bracket = /^\[([^\]]+)\]/.exec(address);
  if (bracket) return bracket[1];
  const colon = address.lastIndexOf(':');
  return colon > 0 && address.indexOf(':') === colon ? address.slice(0, colon) : address;
}
