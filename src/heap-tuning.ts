import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's heap near what is alive. Under load a request's short-lived objects (its socket
 * buffers, headers, rows, the audit entry waiting for its flush) are often still referenced when the
 * young generation is collected, so a few per cent of them are promoted to the old space, where only a
 * full collection frees them. V8 lets the old space grow to a multiple of what survived its last full
 * collection first (up to ~4× for a small heap), and that garbage is what the process's RSS grew by
 * under load: 260–340 MiB in the PATCH scenario, 400+ MiB in the segment scenarios, where allocation-site
 * pretenuring also sent the 100-profile answers' objects straight to the old space.
 *
 * Both are GC heuristics V8 reads whenever it sizes the heap, so setting them once the process runs
 * takes effect (unlike `--max-old-space-size`, which is fixed when the heap is created and is a hard cap:
 * a burst of large requests past it is a crash, not a slower answer). `growingPercent` 20: the next full
 * collection starts when the old space is 1.2× what survived the last one; 0 leaves V8's own heuristics
 * (pretenuring included). The bench's figures are in the README ("Benchmarks", RSS). The server calls it
 * (main.ts); CLI commands do not: a batch job such as the import runs faster with V8's own sizing.
 */
export function tuneHeap(growingPercent: number): void {
  if (growingPercent <= 0) return;
  setFlagsFromString('--no-allocation-site-pretenuring');
  setFlagsFromString(`--heap-growing-percent=${Math.floor(growingPercent)}`);
}
