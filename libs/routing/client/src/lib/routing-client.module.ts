import { Module } from '@nestjs/common';
import { CacheModule } from '@platform/cache/nest';
import { ROUTING_PROFILE_CACHE } from './routing-client.constants';
import { RoutingProfileClient } from './routing-profile.client';

/**
 * Routing's API for other services: import it in a feature module to inject {@link RoutingProfileClient}.
 * Needs the service kit (its config, with `ROUTING_PEER` among the service's peers) and the root cache.
 */
@Module({
  imports: [CacheModule.forFeature(ROUTING_PROFILE_CACHE)],
  providers: [RoutingProfileClient],
  exports: [RoutingProfileClient],
})
export class RoutingClientModule {}
