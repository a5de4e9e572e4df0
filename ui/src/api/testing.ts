//! Fixtures for the API layer's tests (not shipped code paths: only tests import this).
import type { CaptureSummary } from './types';

/** A stored POST to `/hook/{id}` with a small JSON body, answered 200. */
export function captureSummary(id: number, over: Partial<CaptureSummary> = {}): CaptureSummary {
  return {
    id,
    received_at: '2026-01-01T00:00:00.000Z',
    method: 'POST',
    path: `/hook/${id}`,
    query: null,
    content_type: 'application/json',
    body_size: 2,
    body_stored: true,
    response_status: 200,
    remote_addr: '127.0.0.1:1',
    endpoint_id: 1,
    verdict_valid: null,
    duplicate_of: null,
    duplicate_count: 0,
    ...over,
  } as CaptureSummary;
}
