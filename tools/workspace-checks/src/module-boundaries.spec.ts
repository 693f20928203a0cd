import { lintMessages } from './lint-probe';

/** The module-boundary messages ESLint reports for `code` at `path`. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  return lintMessages(path, code, '@nx/enforce-module-boundaries');
}

describe('module boundaries (@nx/enforce-module-boundaries, eslint.config.mjs)', () => {
  it('should fail lint when one domain imports another domain', async () => {
    const errors = await boundaryErrors(
      'libs/bid/feature/src/lib/probe.ts',
      "import { RoutingService } from '@platform/routing-feature';\nexport const probe = RoutingService;\n",
    );
    expect(errors.join('\n')).toMatch(
      /scope:bid.*can only depend on libs tagged with "scope:bid", "scope:shared", "type:client"/s,
    );
  });

  it("should let bid and analytics use routing's client lib, and nothing else of routing", async () => {
    const client =
      "import { RoutingProfileClient } from '@platform/routing-client';\nexport const probe = RoutingProfileClient;\n";
    expect(await boundaryErrors('libs/bid/feature/src/lib/probe.ts', client)).toEqual([]);
    expect(await boundaryErrors('libs/analytics/feature/src/lib/probe.ts', client)).toEqual([]);

    for (const [lib, name] of [
      ['@platform/routing-feature', 'RoutingService'],
      ['@platform/routing-data-access', 'BuyerRoutingRepository'],
    ]) {
      const errors = await boundaryErrors(
        'libs/bid/feature/src/lib/probe.ts',
        `import { ${name} } from '${lib}';\nexport const probe = ${name};\n`,
      );
      expect(errors.join('\n')).toMatch(/scope:bid.*can only depend on libs tagged with/s);
    }
  });

  it("should let bid use compliance's client lib, and nothing else of compliance", async () => {
    const client =
      "import { ComplianceClient } from '@platform/compliance-client';\nexport const probe = ComplianceClient;\n";
    expect(await boundaryErrors('libs/bid/feature/src/lib/probe.ts', client)).toEqual([]);
    const feature = await boundaryErrors(
      'libs/bid/feature/src/lib/probe.ts',
      "import { ComplianceService } from '@platform/compliance-feature';\nexport const probe = ComplianceService;\n",
    );
    expect(feature.join('\n')).toMatch(/scope:bid.*can only depend on libs tagged with/s);
  });

  it('should fail lint when shared code imports a domain', async () => {
    const errors = await boundaryErrors(
      'libs/cache/src/lib/probe.ts',
      "import { BidRepository } from '@platform/bid-data-access';\nexport const probe = BidRepository;\n",
    );
    expect(errors.join('\n')).toMatch(/scope:shared.*can only depend on libs tagged with "scope:shared"/s);
  });

  it('should fail lint when a data-access lib imports a feature lib', async () => {
    const errors = await boundaryErrors(
      'libs/bid/data-access/src/lib/probe.ts',
      "import { KafkaService } from '@platform/service-kit';\nexport const probe = KafkaService;\n",
    );
    expect(errors.join('\n')).toMatch(/type:data-access.*can only depend on libs tagged with/s);
  });

  it("should fail lint when a util lib imports contracts, or anything reaches into another lib's src", async () => {
    const util = await boundaryErrors(
      'libs/shared/config/src/lib/probe.ts',
      "import { Topic } from '@platform/contracts';\nexport const probe = Topic;\n",
    );
    expect(util.join('\n')).toMatch(/type:util.*can only depend on libs tagged with "type:util"/s);

    const deep = await boundaryErrors(
      'libs/bid/feature/src/lib/probe.ts',
      "import { ProcessedEvent } from '../../../../shared/database/src/lib/processed-event.entity';\nexport const probe = ProcessedEvent;\n",
    );
    expect(deep.length).toBeGreaterThan(0);
  });

  it('should pass lint for an allowed import (feature → own data-access, shared)', async () => {
    const errors = await boundaryErrors(
      'libs/bid/feature/src/lib/probe.ts',
      "import { BidRepository } from '@platform/bid-data-access';\nimport { Topic } from '@platform/contracts';\nexport const probe = [BidRepository, Topic];\n",
    );
    expect(errors).toEqual([]);
  });
});
