import { isFailedRequestLogLine } from './error-log';

describe('isFailedRequestLogLine()', () => {
  it("should keep the exception filter's line and a 500's request line, as the services write them", () => {
    expect(
      isFailedRequestLogLine(
        '{"level":"error","time":"2026-12-06T21:13:39.225Z","service":"bid","req":{"id":"req-i5","method":"PATCH"},' +
          '"context":"AppExceptionFilter","err":{"type":"QueryRunnerAlreadyReleasedError","message":"Query runner already released.",' +
          '"stack":"QueryRunnerAlreadyReleasedError: …\\n    at PostgresQueryRunner.query"},"code":"INTERNAL","msg":"Unhandled error"}',
      ),
    ).toBe(true);
    expect(
      isFailedRequestLogLine(
        '{"level":"error","req":{"method":"PATCH"},"res":{"statusCode":500},"responseTime":68,"msg":"request errored"}',
      ),
    ).toBe(true);
    expect(isFailedRequestLogLine('{"level":50,"res":{"statusCode":502},"msg":"request errored"}')).toBe(
      true,
    );
  });

  it("should skip designed 503s, lines below error and error lines that are no request's failure", () => {
    expect(isFailedRequestLogLine('{"level":"error","res":{"statusCode":503},"msg":"request errored"}')).toBe(
      false,
    );
    expect(
      isFailedRequestLogLine(
        '{"level":"warn","code":"DEPENDENCY.UNAVAILABLE","msg":"Dependency unavailable"}',
      ),
    ).toBe(false);
    expect(
      isFailedRequestLogLine(
        '{"level":"error","context":"Kafka","logger":"kafkajs","error":"The group is rebalancing","msg":"Response Heartbeat"}',
      ),
    ).toBe(false);
    expect(isFailedRequestLogLine('{"level":"info","res":{"statusCode":500},"msg":"Unhandled error"}')).toBe(
      false,
    );
  });
});
