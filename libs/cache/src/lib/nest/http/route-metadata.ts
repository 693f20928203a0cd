import type { ExecutionContext } from '@nestjs/common';
import {
  REDIRECT_METADATA,
  RENDER_METADATA,
  RESPONSE_PASSTHROUGH_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Reflector } from '@nestjs/core';
import type { CacheRouteOptions } from '../../http/http-cache-options';
import { CACHE_METADATA } from '../cache.constants';

/**
 * What a route declares for the HTTP cache: its `@CacheRoute` options, or `null` when it is `@NoCache` or
 * sends its own response (a raw `@Res()` without passthrough, SSE, a template, a redirect), so the cache
 * must leave it alone; `undefined` when it declares nothing.
 *
 * The raw-response check reads Nest's own route metadata: Nest has no public API that says whether it
 * will send a handler's return value, and guessing after the fact (was a response sent?) misses handlers
 * that answer later. This is the one place the cache depends on those keys.
 */
export function readRouteDeclaration(
  reflector: Reflector,
  context: ExecutionContext,
): CacheRouteOptions | null | undefined {
  const targets = [context.getHandler(), context.getClass()];
  if (reflector.getAllAndOverride<boolean>(CACHE_METADATA.noCache, targets)) return null;
  const declared = reflector.getAllAndOverride<CacheRouteOptions | undefined>(CACHE_METADATA.route, targets);
  return sendsItsOwnResponse(context) ? null : declared;
}

function sendsItsOwnResponse(context: ExecutionContext): boolean {
  const handler = context.getHandler();
  const controller = context.getClass();
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
    string,
    unknown
  >;
  const usesRaw = Object.keys(args).some((key) => {
    const type = Number(key.split(':')[0]);
    return type === RouteParamtypes.RESPONSE || type === RouteParamtypes.NEXT;
  });
  const passthrough = Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, controller, handler.name) === true;
  const special = [SSE_METADATA, RENDER_METADATA, REDIRECT_METADATA].some(
    (key) => Reflect.getMetadata(key, handler) !== undefined,
  );
  return special || (usesRaw && !passthrough);
}
