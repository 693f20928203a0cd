import { credentials, loadPackageDefinition, Metadata, ServiceError, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { grpcLoaderOptions, protoPath, ProtoService } from '@platform/proto';
import { UpstreamUnavailableError } from '../errors/domain.error';
import { errorMessage } from '../errors/error-message';

/** Options of {@link createGrpcClient}. */
export interface GrpcClientOptions {
  /** Deadline of each call. Default 2000 ms. */
  readonly deadlineMs?: number;
  /**
   * The `authorization` metadata of each call (e.g. `ServiceCredentials.authorization`), fetched per call so
   * a refreshed token is used; `undefined`: none.
   */
  readonly authorization?: () => Promise<string | undefined>;
}

/** A unary-call client of another service's gRPC API. */
export interface GrpcClient {
  /**
   * Calls `method` (lowerCamel, e.g. `getBuyerCriteria`). Resolves the response; resolves `null` when the
   * server answers NOT_FOUND; rejects with {@link UpstreamUnavailableError} (`<SERVICE>.UNAVAILABLE`, a 503)
   * when the server cannot be reached or misses the deadline, and with the `ServiceError` otherwise.
   */
  call<Res>(method: string, request: object): Promise<Res | null>;
  close(): void;
}

type Unary = (
  request: object,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** Opens a client of `<service>.v1.<Service>Service` at `address` (`host:port`), loaded from its `.proto`. */
export function createGrpcClient(
  service: ProtoService,
  address: string,
  options: GrpcClientOptions = {},
): GrpcClient {
  const definition = loadPackageDefinition(loadSync(protoPath(service), grpcLoaderOptions)) as Record<
    string,
    Record<
      string,
      Record<
        string,
        new (
          address: string,
          creds: ReturnType<typeof credentials.createInsecure>,
        ) => Record<string, unknown> & { close(): void }
      >
    >
  >;
  const serviceName = `${service[0].toUpperCase()}${service.slice(1)}Service`;
  const client = new definition[service]['v1'][serviceName](address, credentials.createInsecure());
  const deadlineMs = options.deadlineMs ?? 2000;
  const unavailable = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);
  return {
    call: <Res>(method: string, request: object) =>
      new Promise<Res | null>((resolve, reject) => {
        const unary = client[method] as Unary | undefined;
        if (typeof unary !== 'function') return reject(new Error(`${serviceName} has no method ${method}`));
        const metadata = new Metadata();
        const authorization = options.authorization?.() ?? Promise.resolve(undefined);
        const unavailableError = (detail: string, cause: unknown) =>
          new UpstreamUnavailableError(service, `${serviceName}.${method}: ${detail}`, cause);
        authorization.then((value) => {
          if (value !== undefined) metadata.set('authorization', value);
          try {
            unary.call(
              client,
              request,
              metadata,
              { deadline: new Date(Date.now() + deadlineMs) },
              (error, response) => {
                if (!error) return resolve(response as Res);
                if (error.code === status.NOT_FOUND) return resolve(null);
                reject(unavailable.has(error.code) ? unavailableError(error.details, error) : error);
              },
            );
          } catch (error) {
            // grpc-js throws (rather than calling back) once the client is closed, e.g. a background refresh
            // still running while the service shuts down: the caller gets "unavailable", never a call that
            // hangs while the throw escapes as an unhandled rejection.
            reject(unavailableError(errorMessage(error), error));
          }
        }, reject);
      }),
    close: () => client.close(),
  };
}
