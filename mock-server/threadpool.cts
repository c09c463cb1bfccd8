/**
 * The size of libuv's thread pool for a `wxpay-mock` process: one thread per core, at least two.
 *
 * The pool signs every reply (RSA-2048, ≈ 250 µs of CPU each) and runs the file store's fsyncs. Node's
 * default is four threads whatever the machine: on two cores, four signing threads, the event loop and
 * the clients take turns on the CPUs, and a reply's signature waited for its thread's next turn. One
 * thread per core, measured on the 2-core machine (file store, 16 connections sending coupons, GETs
 * alongside; `npm run bench:store`, both sizes in turn): sends 923–1,044 → 1,066–1,113 req/s, GET p99
 * during the sends 15.2–15.5 → 12.5–13.9 ms; on more than four cores the pool grows with them.
 * CommonJS, so that the bin (wxpay-mock.cts) can size the pool before the ES module loader starts it.
 */
import { availableParallelism } from 'node:os';

export function threadPoolSize(): number {
  return Math.max(2, availableParallelism());
}
