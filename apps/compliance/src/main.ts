import { complianceServiceSpec } from '@platform/compliance-feature';
import { runService } from '@platform/service-kit';

// Everything but the wiring lives in libs; see libs/compliance/feature and libs/shared/service-kit.
runService(complianceServiceSpec()).catch((error: unknown) => {
  process.stderr.write(
    `compliance failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
