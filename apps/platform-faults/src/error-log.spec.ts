import { isErrorLogLine } from './error-log';

describe('isErrorLogLine()', () => {
  it("should keep the exception filter's error line and a 500's request line, as the services write them", () => {
    expect(
      isErrorLogLine(
        '{"level":"error","time":"2026-12-06T19:25:01.000Z","service":"bid","context":"AppExceptionFilter",' +
          '"err":{"type":"Error","message":"boom","stack":"Error: boom\\n    at x"},"code":"INTERNAL","msg":"Unhandled error"}',
      ),
    ).toBe(true);
    expect(isErrorLogLine('{"level":"error","res":{"statusCode":500},"msg":"request completed"}')).toBe(true);
    expect(isErrorLogLine('{"level":50,"msg":"pino default levels"}')).toBe(true);
  });

  it("should skip designed 503s' request lines and lines below error", () => {
    expect(isErrorLogLine('{"level":"error","res":{"statusCode":503},"msg":"request completed"}')).toBe(
      false,
    );
    expect(
      isErrorLogLine('{"level":"warn","code":"DEPENDENCY.UNAVAILABLE","msg":"Dependency unavailable"}'),
    ).toBe(false);
    expect(isErrorLogLine('{"level":"info","msg":"error in a message is not a level"}')).toBe(false);
  });
});
