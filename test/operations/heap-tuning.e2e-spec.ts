import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../helpers/server-process';

const TUNING = join(__dirname, '..', '..', 'dist', 'heap-tuning.js');

/**
 * A workload that promotes garbage, as a server under load does: each object stays referenced long
 * enough to survive two young-generation collections (a window of 300,000), then is dropped. Returns the
 * largest old space V8 kept, in MiB. Memory, not time: the figures are the same from run to run.
 */
function oldSpacePeakMiB(growingPercent: number): number {
  const script = `
    require(${JSON.stringify(TUNING)}).tuneHeap(${growingPercent});
    const v8 = require('node:v8');
    const window = new Array(300000);
    let peak = 0;
    for (let i = 0; i < 4000000; i++) {
      window[i % 300000] = { i, text: 'x' + i, list: [i] };
      if (i % 20000 === 0) {
        const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
        peak = Math.max(peak, old.space_size);
      }
    }
    process.stdout.write(String(Math.round(peak / 1048576)));`;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

describe('heap tuning (HEAP_GROWING_PERCENT)', () => {
  beforeAll(() => ensureBuilt());

  it('keeps the old space near what is alive, where V8 alone lets promoted garbage pile up', () => {
    const untuned = oldSpacePeakMiB(0);
    const tuned = oldSpacePeakMiB(20);
    // about 40 MiB stay alive; V8 alone let the old space reach ~185 MiB here, 1.2× reaches ~70
    expect(untuned).toBeGreaterThan(120);
    expect(tuned).toBeLessThan(untuned * 0.6);
    expect(tuned).toBeGreaterThan(30);
  });
});
