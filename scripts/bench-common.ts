/** What scripts/bench.ts and its server processes (scripts/bench-server.ts) agree on. */
export const BENCH_MCHID = '1900000001';
export const BENCH_NOTIFY_URL = 'http://127.0.0.1:9/wxpay-mock-bench/notify';
export const BENCH_PATH = '/v3/marketing/favor/callbacks';
