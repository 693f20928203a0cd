import { parameterNames } from './parameter-names';

/* eslint-disable @typescript-eslint/no-unused-vars */
class Sample {
  async plain(id: string, buyerId: number): Promise<void> {
    return undefined;
  }

  async defaults(id = 'x', options: { a: string } = { a: '(,)' }, limit = Math.max(1, 2)): Promise<void> {
    return undefined;
  }

  async destructured({ buyerId, call: renamed, nested: { deep } }: Record<string, never>, ...rest: number[]) {
    return undefined;
  }

  async tuple([first, second]: [string, string], /* a comment, with a comma */ after: string) {
    return undefined;
  }

  async none(): Promise<void> {
    return undefined;
  }
}

describe('parameterNames()', () => {
  it('should read plain parameter names in order', () => {
    expect(parameterNames(Sample.prototype.plain)).toEqual([
      { kind: 'name', name: 'id', index: 0 },
      { kind: 'name', name: 'buyerId', index: 1 },
    ]);
  });

  it('should ignore default values, even with commas and parentheses inside', () => {
    expect(parameterNames(Sample.prototype.defaults)?.map((p) => p.kind === 'name' && p.name)).toEqual([
      'id',
      'options',
      'limit',
    ]);
  });

  it('should expose the top-level properties of a destructured parameter, and rest parameters', () => {
    expect(parameterNames(Sample.prototype.destructured)).toEqual([
      { kind: 'pattern', properties: ['buyerId', 'call', 'nested'], index: 0 },
      { kind: 'name', name: 'rest', index: 1 },
    ]);
  });

  it('should mark array patterns unnamed and skip comments', () => {
    expect(parameterNames(Sample.prototype.tuple)).toEqual([
      { kind: 'unnamed', index: 0 },
      { kind: 'name', name: 'after', index: 1 },
    ]);
  });

  it('should return an empty list for a method without parameters', () => {
    expect(parameterNames(Sample.prototype.none)).toEqual([]);
  });

  it('should read arrow functions and plain functions', () => {
    expect(parameterNames((a: string, b = 2) => a + b)?.length).toBe(2);
    expect(parameterNames(((single: string) => single) as (...args: never[]) => unknown)).toEqual([
      { kind: 'name', name: 'single', index: 0 },
    ]);
    expect(
      parameterNames(function named(x: number) {
        return x;
      }),
    ).toEqual([{ kind: 'name', name: 'x', index: 0 }]);
  });

  it('should give up on native functions', () => {
    expect(parameterNames(Math.max)).toBeUndefined();
  });
});
