/**
 * CPU profile of a service process under `bench:load`, where `--cpu-prof` cannot go in NODE_OPTIONS:
 * `BENCH_LOAD_NODE_OPTIONS='--require ./apps/platform-e2e/bench/cpu-profile.cjs'` and `CPU_PROFILE_DIR`. Writes
 * `<dir>/<pid>.cpuprofile` when the process exits (open it in Chrome DevTools or summarise it with
 * `cpu-profile-top.cjs`).
 */
const { Session } = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

// bench:load passes CPU_PROFILE_DIR through to the services next to NODE_OPTIONS.
const dir = process.env.CPU_PROFILE_DIR || '/tmp/cpu-profiles';
// `migrate` runs are short-lived and not what a profile is for.
if (!process.argv.includes('migrate')) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The in-process session answers synchronously, so this completes even inside an exit handler.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('exit', write);
  // Nest's shutdown hooks end the process by re-sending SIGTERM to itself, which skips 'exit': write on the
  // first SIGTERM (the end of the measured window) and step aside so the signal still ends the process.
  const onTerm = () => {
    process.off('SIGTERM', onTerm);
    write();
  };
  process.on('SIGTERM', onTerm);
}
