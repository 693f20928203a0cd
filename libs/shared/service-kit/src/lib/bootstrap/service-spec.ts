import type { DynamicModule, Type } from '@nestjs/common';
import type { ServiceDefaults } from '@platform/config';
import type { Topic } from '@platform/contracts';
import type { DatabaseSpec } from '@platform/database';

/** Everything that makes one service different from another; the rest is shared bootstrap. */
export interface ServiceSpec {
  /** Name, default ports and database schema. */
  defaults: ServiceDefaults;
  /** Feature modules (REST and gRPC controllers, Kafka listeners, services). */
  features: (Type | DynamicModule)[];
  /** Entities and migrations of the service's schema. */
  database: DatabaseSpec;
  /**
   * gRPC package (e.g. `bid.v1`), the path of its `.proto` file, and the methods that only read
   * (PascalCase, as in the `.proto`): with auth on they need `<service>:read`, every other `<service>:write`.
   */
  grpc: { package: string; protoPath: string; readMethods?: readonly string[] };
  /** Topics the service listens to and publishes to (created at boot if missing). */
  kafka: { consumes: readonly Topic[]; produces: readonly Topic[] };
}
