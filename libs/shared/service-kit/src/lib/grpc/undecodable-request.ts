import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../errors';

/**
 * What a gRPC handler receives instead of a request (or, on a client stream, instead of one of its messages)
 * when the bytes are not a valid message of its type (random bytes, a truncated field, invalid UTF-8 in a
 * string field). grpc-js answers a message it cannot decode with INTERNAL, which tells the caller the server
 * broke; the caller sent a bad request, so {@link UndecodableRequestGuard} (unary) and {@link assertDecoded}
 * (streams) answer INVALID_ARGUMENT naming the payload instead.
 */
export class UndecodableRequest {
  constructor(
    /** Fully qualified message type, e.g. `bid.v1.GetBidRequest`. */
    readonly type: string,
  ) {}
}

interface MethodDefinition {
  requestDeserialize?: (bytes: Buffer) => unknown;
  requestType?: { type?: { name?: string } };
}

/**
 * Wraps the request decoder of every method in a proto-loader package definition (in place), so an
 * undecodable request reaches the handler pipeline as an {@link UndecodableRequest} instead of failing inside
 * grpc-js. A unary call is refused by the guard before its handler runs; a client-streaming handler receives
 * the value in its stream and must pass each message through {@link assertDecoded}.
 */
export function tolerateUndecodableRequests(definition: Record<string, unknown>, pkg: string): void {
  for (const [name, service] of Object.entries(definition)) {
    if (typeof service !== 'object' || service === null || 'format' in service) continue;
    for (const method of Object.values(service as Record<string, MethodDefinition>)) {
      const decode = method.requestDeserialize;
      if (typeof decode !== 'function') continue;
      const type = `${pkg}.${method.requestType?.type?.name ?? name}`;
      method.requestDeserialize = (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch {
          return new UndecodableRequest(type);
        }
      };
    }
  }
}

/**
 * Refuses a gRPC call whose request could not be decoded (see {@link UndecodableRequest}) with
 * `VALIDATION.FAILED` (INVALID_ARGUMENT), the field being `(payload)`. A guard rather than a pipe: it runs for
 * every handler, including those without a `@Payload()` argument.
 */
@Injectable()
export class UndecodableRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'rpc') return true;
    assertDecoded(context.switchToRpc().getData<unknown>());
    return true;
  }
}

/**
 * The message itself, or `VALIDATION.FAILED` (INVALID_ARGUMENT) naming `(payload)` when its bytes could not
 * be decoded. Stream messages bypass guards and pipes, so a streaming handler calls this on each one.
 */
export function assertDecoded<T>(message: T | UndecodableRequest): T {
  if (message instanceof UndecodableRequest) {
    throw new ValidationFailedError([
      { field: '(payload)', message: `is not a valid ${message.type} protobuf message` },
    ]);
  }
  return message;
}
