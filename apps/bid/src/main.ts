import { bidServiceSpec } from '@platform/bid-feature';
import { runService } from '@platform/service-kit';

// Everything but the wiring lives in libs; see libs/bid/feature and libs/shared/service-kit.
runService(bidServiceSpec()).catch((error: unknown) => {
  process.stderr.write(
    `bid failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
