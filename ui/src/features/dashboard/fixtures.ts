//! A metrics answer as the engine gives it (the shapes of issue 7), for the dashboard's tests.
import type { Metrics } from '../../api/metrics';

const T0 = 1_796_000_000_000 - 60 * 60_000;

export const METRICS_1H: Metrics = {
  window_ms: 3_600_000,
  now: 1_796_000_000_000,
  bucket_ms: 60_000,
  retry_queue: 12,
  destinations: [
    {
      target_key: 'destination:3',
      destination_id: 3,
      name: 'billing',
      events: 120,
      delivered: 115,
      dead: 2,
      success_rate: 0.958,
      retry_rate: 0.21,
      dead_letters: 2,
      attempts: 160,
      attempts_per_min: 2.67,
      latency_ms: { p50: 12, p95: 80, p99: 200 },
      breaker: 'open',
      // 60 buckets: attempts in 3 of them, one with failures.
      series: Array.from({ length: 60 }, (_, i) => ({
        t: T0 + i * 60_000,
        attempts: i === 10 ? 5 : i === 20 ? 3 : i === 59 ? 2 : 0,
        failures: i === 20 ? 2 : 0,
        delivered: i === 10 ? 5 : i === 20 ? 1 : i === 59 ? 2 : 0,
        p95_ms: i === 10 ? 40 : i === 20 ? 80 : i === 59 ? 20 : null,
      })),
    },
  ],
  endpoints: [
    {
      endpoint_id: 1,
      name: 'Default',
      path_prefix: '',
      requests: 500,
      requests_per_min: 8.3,
      signature_failure_rate: null,
      duplicate_rate: 0.002,
      faulted: 20,
      series: Array.from({ length: 60 }, (_, i) => ({
        t: T0 + i * 60_000,
        requests: i % 2 === 0 ? 16 : 0,
        signature_failures: 0,
        duplicates: 0,
        faulted: i === 4 ? 20 : 0,
      })),
    },
  ],
};

export const METRICS_EMPTY: Metrics = {
  window_ms: 3_600_000,
  now: 1_796_000_000_000,
  bucket_ms: 60_000,
  retry_queue: 0,
  destinations: [],
  endpoints: [
    {
      endpoint_id: 1,
      name: 'Default',
      path_prefix: '',
      requests: 0,
      requests_per_min: 0,
      signature_failure_rate: null,
      duplicate_rate: null,
      faulted: 0,
      series: Array.from({ length: 60 }, (_, i) => ({ t: T0 + i * 60_000, requests: 0, signature_failures: 0, duplicates: 0, faulted: 0 })),
    },
  ],
};
