import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { keys } from '../../api/queries';
import type { Endpoint } from '../../api/types';
import { SAMPLES, sampleEvent, sampleForEndpoint, samplePath } from './samples';
import { watchForCapture } from './SendTestWebhook';

function endpoint(over: Partial<Endpoint> = {}): Endpoint {
  return { id: 2, name: 'GitHub', path_prefix: '/gh', created_at: '', updated_at: '', ...over } as Endpoint;
}

describe('test webhook samples', () => {
  it("are signed by the outbox with the endpoint's scheme and current secret, sent under its prefix", () => {
    const ep = endpoint({ signature: { scheme: { kind: 'github' } as never, secrets: ['new-secret', 'old-secret'] } });
    const sample = sampleForEndpoint(ep);
    expect(sample.id).toBe('github');
    const ev = sampleEvent('http://127.0.0.1:9000/', ep, sample, 'n1');
    expect(ev.url).toBe('http://127.0.0.1:9000/gh/hookbench-test/github/n1');
    expect(ev.method).toBe('POST');
    expect(ev.scheme).toEqual({ kind: 'github' });
    expect(ev.secret).toBe('new-secret');
    expect(ev.headers).toContainEqual({ name: 'X-GitHub-Event', value: 'push' });
    expect(JSON.parse(ev.body ?? '')).toMatchObject({ ref: 'refs/heads/main' });
  });

  it('go unsigned to an endpoint that checks no signature', () => {
    const ev = sampleEvent('http://127.0.0.1:9000', endpoint({ path_prefix: '' }), SAMPLES[0], 'n2');
    expect(ev.url).toBe('http://127.0.0.1:9000/hookbench-test/stripe/n2');
    expect(ev.scheme).toBeUndefined();
    expect(ev.secret).toBeUndefined();
  });

  it('carry fresh delivery ids each time (an endpoint may dedupe on them)', () => {
    const shopify = SAMPLES.find((s) => s.id === 'shopify')!;
    const id = () => shopify.headers().find(([n]) => n === 'X-Shopify-Webhook-Id')?.[1];
    expect(id()).not.toBe(id());
    expect(SAMPLES.map((s) => s.id)).toEqual(['stripe', 'github', 'shopify', 'slack', 'standard-webhooks']);
    expect(samplePath({ path_prefix: '/stripe/' }, SAMPLES[0], 'x')).toBe('/stripe/hookbench-test/stripe/x');
  });
});

describe('watching for the test capture', () => {
  const page = (items: { id: number; path: string }[]) => ({ pages: [{ items, next_cursor: null, total: items.length }], pageParams: [undefined] });

  it('opens it when the live stream puts it in the list of every capture, once', () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.captureList({}), page([{ id: 1, path: '/other' }]));
    const found: number[] = [];
    watchForCapture(qc, '/hookbench-test/stripe/n1', (id) => found.push(id));
    expect(found).toEqual([]);
    qc.setQueryData(keys.captureList({}), page([{ id: 2, path: '/hookbench-test/stripe/n1' }, { id: 1, path: '/other' }]));
    expect(found).toEqual([2]);
    qc.setQueryData(keys.captureList({}), page([{ id: 3, path: '/x' }, { id: 2, path: '/hookbench-test/stripe/n1' }]));
    expect(found).toEqual([2]); // stopped watching
  });

  it('gives up after a while and says so', () => {
    vi.useFakeTimers();
    const qc = new QueryClient();
    let gaveUp = false;
    watchForCapture(qc, '/never', () => {}, () => (gaveUp = true), 1000);
    vi.advanceTimersByTime(1001);
    expect(gaveUp).toBe(true);
    vi.useRealTimers();
  });
});
