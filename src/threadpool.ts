import { availableParallelism } from 'node:os';

/**
 * libuv's thread pool (4 threads unless told) runs argon2. A pool thread that has hashed keeps the
 * 19 MiB argon2 block in its own malloc arena for good (glibc raises its mmap threshold to the size of a
 * freed block, so the next block comes from, and returns to, the arena): each thread costs ~19 MiB of
 * RSS once sign-ins ran on it (measured: 77 MiB with 4 threads, 38 with 2). More threads than cores hash
 * no faster, so the pool gets one thread per core, at least 2 and never more than libuv's 4. An
 * operator's UV_THREADPOOL_SIZE wins. libuv reads the variable when the pool first runs work: this module
 * is the first import of main.ts.
 */
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(4, Math.max(2, availableParallelism())));
