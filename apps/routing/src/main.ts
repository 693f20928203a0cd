import { routingServiceSpec } from '@platform/routing-feature';
import { runService } from '@platform/service-kit';

// Everything but the wiring lives in libs; see libs/routing/feature and libs/shared/service-kit.
runService(routingServiceSpec()).catch((error: unknown) => {
  process.stderr.write(
    `routing failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
