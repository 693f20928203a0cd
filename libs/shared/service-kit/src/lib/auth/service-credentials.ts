import { Inject, Injectable } from '@nestjs/common';
import type { ServiceConfig } from '@platform/config';
import { decodeJwt, SignJWT } from 'jose';
import { readFile } from 'node:fs/promises';
import { SERVICE_CONFIG } from '../service-kit.constants';

/** A token is replaced once this little of its life is left (or a fifth of it, if shorter). */
const REFRESH_MARGIN_SECONDS = 60;
/** A token file is re-read at least this often, so a rotated file is picked up before the old token ends. */
const FILE_RECHECK_MS = 60_000;

/**
 * The service's own identity for calls to its peers: `Authorization` values carrying a token minted from
 * its credentials (`AUTH_CLIENT_SECRET` + `AUTH_CLIENT_SCOPES`, subject `service:<name>`), or read from
 * `AUTH_CLIENT_TOKEN_FILE`. Tokens are reused and replaced before they expire. `undefined` when auth is off.
 */
@Injectable()
export class ServiceCredentials {
  private current?: { value: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** `Bearer <token>` for a call to a peer, or `undefined` when this service sends no credentials. */
  async authorization(): Promise<string | undefined> {
    const auth = this.config.auth;
    if (auth.mode !== 'jwt' || auth.client === null) return undefined;
    if (this.current !== undefined && Date.now() < this.current.refreshAt)
      return `Bearer ${this.current.value}`;
    this.pending ??= this.renew().finally(() => (this.pending = undefined));
    return `Bearer ${await this.pending}`;
  }

  private async renew(): Promise<string> {
    const auth = this.config.auth;
    if (auth.mode !== 'jwt' || auth.client === null) throw new Error('ServiceCredentials: auth is off');
    const now = Date.now();
    if (auth.client.kind === 'token-file') {
      const value = (await readFile(auth.client.path, 'utf8')).trim();
      const exp = decodeJwt(value).exp;
      const refreshAt = Math.min(
        now + FILE_RECHECK_MS,
        exp === undefined ? Infinity : refreshBefore(now, exp),
      );
      this.current = { value, refreshAt };
      return value;
    }
    const iat = Math.floor(now / 1000);
    const exp = iat + auth.client.ttlSeconds;
    const value = await new SignJWT({ scope: auth.client.scopes.join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(auth.issuer)
      .setAudience(auth.audience)
      .setSubject(`service:${this.config.name}`)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(auth.client.secret));
    this.current = { value, refreshAt: refreshBefore(now, exp) };
    return value;
  }
}

/** When a token expiring at `exp` (epoch seconds) should be replaced. */
function refreshBefore(now: number, exp: number): number {
  const life = exp * 1000 - now;
  return now + Math.max(0, life - Math.min(REFRESH_MARGIN_SECONDS * 1000, life / 5));
}
