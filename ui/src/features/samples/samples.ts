//! Sample webhooks of well-known providers, for "Send a test webhook": a realistic body and the
//! provider's own non-signature headers. The signature is the engine's to add (the event's
//! `scheme`/`secret`), so each attempt is signed afresh with the endpoint's secret.
import type { EventInput } from '../../api/events';
import type { Endpoint } from '../../api/types';

export interface Sample {
  id: 'stripe' | 'github' | 'shopify' | 'slack' | 'standard-webhooks';
  label: string;
  event: string;
  /** Fresh per send: delivery ids must not repeat (an endpoint may dedupe on them). */
  headers: () => [string, string][];
  body: (now: Date) => unknown;
}

const rand = (n: number) =>
  Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');

function uuid(): string {
  return typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : rand(32);
}

export const SAMPLES: Sample[] = [
  {
    id: 'stripe',
    label: 'Stripe',
    event: 'invoice.paid',
    headers: () => [['User-Agent', 'Stripe/1.0 (+https://stripe.com/docs/webhooks)']],
    body: (now) => ({
      id: `evt_${rand(24)}`,
      object: 'event',
      api_version: '2024-06-20',
      created: Math.floor(now.getTime() / 1000),
      type: 'invoice.paid',
      livemode: false,
      data: {
        object: {
          id: `in_${rand(24)}`,
          object: 'invoice',
          amount_paid: 4200,
          currency: 'usd',
          customer: `cus_${rand(14)}`,
          status: 'paid',
        },
      },
    }),
  },
  {
    id: 'github',
    label: 'GitHub',
    event: 'push',
    headers: () => [
      ['User-Agent', 'GitHub-Hookshot/hookbench'],
      ['X-GitHub-Event', 'push'],
      ['X-GitHub-Delivery', uuid()],
    ],
    body: (now) => ({
      ref: 'refs/heads/main',
      before: rand(40),
      after: rand(40),
      repository: { id: 1296269, name: 'hello-world', full_name: 'octocat/hello-world' },
      pusher: { name: 'octocat', email: 'octocat@example.com' },
      head_commit: { id: rand(40), message: 'Fix the webhook handler', timestamp: now.toISOString() },
    }),
  },
  {
    id: 'shopify',
    label: 'Shopify',
    event: 'orders/create',
    headers: () => [
      ['X-Shopify-Topic', 'orders/create'],
      ['X-Shopify-Shop-Domain', 'hookbench-test.myshopify.com'],
      ['X-Shopify-Webhook-Id', uuid()],
      ['X-Shopify-API-Version', '2024-07'],
    ],
    body: (now) => ({
      id: 820982911946154500,
      email: 'jon@example.com',
      created_at: now.toISOString(),
      currency: 'USD',
      total_price: '42.00',
      financial_status: 'paid',
      line_items: [{ id: 466157049, title: 'IPod Nano - 8gb', quantity: 1, price: '42.00' }],
    }),
  },
  {
    id: 'slack',
    label: 'Slack',
    event: 'event_callback',
    headers: () => [['User-Agent', 'Slackbot 1.0 (+https://api.slack.com/robots)']],
    body: (now) => ({
      token: rand(24),
      team_id: 'T0001',
      api_app_id: 'A0001',
      type: 'event_callback',
      event_id: `Ev${rand(10).toUpperCase()}`,
      event_time: Math.floor(now.getTime() / 1000),
      event: { type: 'app_mention', user: 'U0001', text: '<@U0002> hello from Hookbench', channel: 'C0001', ts: `${Math.floor(now.getTime() / 1000)}.000100` },
    }),
  },
  {
    id: 'standard-webhooks',
    label: 'Standard Webhooks',
    event: 'invoice.paid',
    headers: () => [],
    body: (now) => ({ type: 'invoice.paid', timestamp: now.toISOString(), data: { invoice_id: `inv_${rand(12)}`, amount: 4200, currency: 'EUR' } }),
  },
];

/** The sample that matches an endpoint's scheme (`{"kind":"stripe"}` → Stripe), else Stripe. */
export function sampleForEndpoint(ep: Endpoint | undefined): Sample {
  const kind = (ep?.signature?.scheme as { kind?: string } | undefined)?.kind?.replace(/_/g, '-');
  return SAMPLES.find((s) => s.id === kind) ?? SAMPLES[0];
}

/** Where a test for this endpoint is sent: under its path prefix, with a path no other test has. */
export function samplePath(ep: Pick<Endpoint, 'path_prefix'>, sample: Sample, nonce: string): string {
  const prefix = ep.path_prefix.replace(/\/+$/, '');
  return `${prefix}/hookbench-test/${sample.id}/${nonce}`;
}

/**
 * The outbox event that sends `sample` to `ep` through the receiver: signed by the engine with the
 * endpoint's scheme and current secret (each attempt afresh), or unsigned when the endpoint checks none.
 */
export function sampleEvent(receiverUrl: string, ep: Endpoint, sample: Sample, nonce: string, now = new Date()): EventInput {
  const url = receiverUrl.replace(/\/+$/, '') + samplePath(ep, sample, nonce);
  const input: EventInput = {
    url,
    method: 'POST',
    headers: [{ name: 'Content-Type', value: 'application/json' }, ...sample.headers().map(([name, value]) => ({ name, value }))],
    body: JSON.stringify(sample.body(now), null, 2),
  };
  const sig = ep.signature;
  if (sig && sig.secrets.length > 0) {
    input.scheme = sig.scheme as EventInput['scheme'];
    input.secret = sig.secrets[0];
  }
  return input;
}
