import type { Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GRPC_READ_METHODS } from './auth.constants';
import { AuthGuard } from './auth.guard';
import { ServiceCredentials } from './service-credentials';

export { ServiceCredentials };

/** What the service kit registers for auth: the global guard, the read-method declaration, own credentials. */
export const authProviders = (grpcReadMethods: readonly string[] = []): Provider[] => [
  { provide: GRPC_READ_METHODS, useValue: grpcReadMethods },
  { provide: APP_GUARD, useClass: AuthGuard },
  ServiceCredentials,
];
