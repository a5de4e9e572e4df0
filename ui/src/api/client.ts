//! The API client: the only place (with stream.ts) that talks to the engine. Every call carries the
//! token; every failure becomes an `ApiError` holding the engine's `{code, message}`.
import type { Connection } from '../platform';
import type { components } from './schema';
import type {
  Capture,
  CaptureFilter,
  CapturePage,
  Endpoint,
  EndpointInput,
  Info,
  SchemeInfo,
  SignInput,
  SignOutput,
  VerifyInput,
  VerifyOutput,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isUnauthorized(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

export function captureListQuery(filter: CaptureFilter, before?: number, limit = 200): string {
  const p = new URLSearchParams();
  p.set('limit', String(limit));
  if (before !== undefined) p.set('before', String(before));
  if (filter.q) p.set('q', filter.q);
  if (filter.method) p.set('method', filter.method);
  if (filter.endpoint !== undefined) p.set('endpoint', String(filter.endpoint));
  if (filter.verdict) p.set('verdict', filter.verdict);
  if (filter.duplicate !== undefined) p.set('duplicate', String(filter.duplicate));
  if (filter.search) p.set('search', filter.search);
  if (filter.status !== undefined) p.set('status', String(filter.status));
  if (filter.since !== undefined) p.set('since', String(filter.since));
  if (filter.until !== undefined) p.set('until', String(filter.until));
  return p.toString();
}

/**
 * One call to the engine: the token, a content type for a body, and every failure as an `ApiError`
 * holding the engine's `{code, message}` (or `unreachable`). Every API module goes through it.
 */
export async function apiFetch(
  conn: Pick<Connection, 'apiUrl' | 'token'>,
  path: string,
  init: RequestInit = {},
  contentType = 'application/json',
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (conn.token) headers.set('Authorization', `Bearer ${conn.token}`);
  if (init.body !== undefined) headers.set('Content-Type', contentType);
  let res: Response;
  try {
    res = await fetch(conn.apiUrl + path, { ...init, headers });
  } catch (e) {
    throw new ApiError(0, 'unreachable', `the engine at ${conn.apiUrl} cannot be reached (${String(e)})`);
  }
  if (!res.ok) {
    let code = 'http_' + res.status;
    let message = `${res.status} ${res.statusText}`.trim();
    try {
      const body = (await res.json()) as { code?: string; message?: string };
      if (body.code) code = body.code;
      if (body.message) message = body.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, code, message);
  }
  return res;
}

export class Api {
  constructor(readonly conn: Connection) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    return apiFetch(this.conn, path, init);
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await this.request(path, init);
    return (await res.json()) as T;
  }

  info(): Promise<Info> {
    return this.json('/api/info');
  }

  /** Liveness and the store's trouble, if writes are failing (locked database, full disk). */
  health(): Promise<components['schemas']['Health']> {
    return this.json('/api/health');
  }

  listCaptures(filter: CaptureFilter, before?: number, limit?: number): Promise<CapturePage> {
    return this.json(`/api/captures?${captureListQuery(filter, before, limit)}`);
  }

  capture(id: number): Promise<Capture> {
    return this.json(`/api/captures/${id}`);
  }

  /** The raw body bytes as a Blob, for "Download body". */
  async captureBody(id: number): Promise<Blob> {
    const res = await this.request(`/api/captures/${id}/body`);
    return res.blob();
  }

  async deleteCapture(id: number): Promise<void> {
    await this.request(`/api/captures/${id}`, { method: 'DELETE' });
  }

  clearCaptures(): Promise<{ deleted: number }> {
    return this.json('/api/captures', { method: 'DELETE' });
  }

  endpoints(): Promise<Endpoint[]> {
    return this.json('/api/endpoints');
  }

  createEndpoint(input: EndpointInput): Promise<Endpoint> {
    return this.json('/api/endpoints', { method: 'POST', body: JSON.stringify(input) });
  }

  updateEndpoint(id: number, input: EndpointInput): Promise<Endpoint> {
    return this.json(`/api/endpoints/${id}`, { method: 'PUT', body: JSON.stringify(input) });
  }

  async deleteEndpoint(id: number): Promise<void> {
    await this.request(`/api/endpoints/${id}`, { method: 'DELETE' });
  }

  schemes(): Promise<SchemeInfo[]> {
    return this.json('/api/schemes');
  }

  verify(input: VerifyInput): Promise<VerifyOutput> {
    return this.json('/api/verify', { method: 'POST', body: JSON.stringify(input) });
  }

  sign(input: SignInput): Promise<SignOutput> {
    return this.json('/api/sign', { method: 'POST', body: JSON.stringify(input) });
  }

  /** The SSE stream's URL: EventSource cannot send headers, so the token rides in the query. */
  streamUrl(): string {
    const t = this.conn.token ? `?token=${encodeURIComponent(this.conn.token)}` : '';
    return `${this.conn.apiUrl}/api/stream${t}`;
  }
}
