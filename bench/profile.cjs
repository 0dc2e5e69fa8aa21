// Preloaded into the service by `npm run bench` when BENCH_CPU_PROF names a folder: a V8 CPU profile of
// the service for each scenario's measured period, started and stopped by the orchestrator over IPC
// (`profile-start` / `profile-stop`), written as <folder>/<scenario>.cpuprofile (Chrome DevTools, or
// node bench/profile-summary.mjs). Without BENCH_CPU_PROF it does nothing. The profiler slows the
// service: the figures of a profiled run are not for comparison.
'use strict';
const inspector = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_CPU_PROF;
if (dir && typeof process.send === 'function') {
  const session = new inspector.Session();
  session.connect();
  let current = null;
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  process.on('message', async (message) => {
    try {
      if (message?.type === 'profile-start' && !current) {
        current = message.name;
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 500 });
        await post('Profiler.start');
      } else if (message?.type === 'profile-stop' && current) {
        const { profile } = await post('Profiler.stop');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${current}.cpuprofile`), JSON.stringify(profile));
        current = null;
        process.send({ type: 'profile-written' });
      }
    } catch (error) {
      console.error(`bench profiler: ${error.message}`);
    }
  });
}
