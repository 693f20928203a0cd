import { lintMessages } from './lint-probe';

const probe = 'libs/cache/src/lib/cache/probe.spec.ts';
const errorsOf = (code: string) =>
  lintMessages(probe, code, 'jest/no-focused-tests', 'jest/no-disabled-tests');

describe('focused and disabled tests (eslint-plugin-jest, eslint.config.mjs)', () => {
  it.each([
    ['it.only', "describe('x', () => { it.only('runs alone', () => expect(1).toBe(1)); });\n"],
    ['describe.only', "describe.only('x', () => { it('runs alone', () => expect(1).toBe(1)); });\n"],
    ['fit', "describe('x', () => { fit('runs alone', () => expect(1).toBe(1)); });\n"],
  ])('should fail lint when a spec commits %s', (_, code) => {
    expect(errorsOf(code).length).toBeGreaterThan(0);
  });

  it.each([
    ['it.skip', "describe('x', () => { it.skip('hidden', () => expect(1).toBe(1)); });\n"],
    ['describe.skip', "describe.skip('x', () => { it('hidden', () => expect(1).toBe(1)); });\n"],
    ['xit', "describe('x', () => { xit('hidden', () => expect(1).toBe(1)); });\n"],
    ['xdescribe', "xdescribe('x', () => { it('hidden', () => expect(1).toBe(1)); });\n"],
  ])('should fail lint when a spec commits %s', (_, code) => {
    expect(errorsOf(code).length).toBeGreaterThan(0);
  });

  it('should fail lint when a shared suite under testing/ registers a skipped test', () => {
    const code = "export function suite() { it.skip('hidden', () => expect(1).toBe(1)); }\n";
    expect(lintMessages('libs/cache/src/lib/testing/probe.ts', code, 'jest/no-disabled-tests')).not.toEqual(
      [],
    );
  });

  it('should pass lint for plain tests', () => {
    expect(errorsOf("describe('x', () => { it('runs', () => expect(1).toBe(1)); });\n")).toEqual([]);
  });
});
