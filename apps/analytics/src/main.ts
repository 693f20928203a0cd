import { analyticsServiceSpec } from '@platform/analytics-feature';
import { runService } from '@platform/service-kit';

// Everything but the wiring lives in libs; see libs/analytics/feature and libs/shared/service-kit.
runService(analyticsServiceSpec()).catch((error: unknown) => {
  process.stderr.write(
    `analytics failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
