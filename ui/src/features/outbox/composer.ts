//! The composer's state and its translation to the API's `EventInput`; the sample bodies it offers.
import type { EventInput } from '../../api/events';
import { checkJson, describeJsonError } from '../../components/JsonEditor';
import { parseHeaderLines } from './destinationForm';
import { emptyPolicyForm, toPolicy, type PolicyForm } from './policy';

export const TO_URL = 'url';
/** Policy choices besides the presets: the target's own, or a custom one. */
export const POLICY_DEFAULT = '';
export const POLICY_CUSTOM = 'custom';
/** Scheme choices besides the scheme ids. */
export const SCHEME_DEFAULT = '';

export interface ComposerForm {
  /** A destination id, or `url`. */
  target: string;
  url: string;
  /** '' = the destination's (or POST). */
  method: string;
  headers: string;
  body: string;
  /** '' = the destination's signing (unsigned for a URL unless a secret is given), else a scheme id. */
  scheme: string;
  secret: string;
  /** '' = the destination's (standard for a URL), a preset id, or `custom`. */
  policy: string;
  custom: PolicyForm;
  /** 0 = the destination's (or the global one). */
  timeScale: number;
}

export function emptyComposer(): ComposerForm {
  const custom = emptyPolicyForm();
  custom.mode = 'delays';
  return {
    target: TO_URL,
    url: '',
    method: '',
    headers: '',
    body: SAMPLES[0].body,
    scheme: SCHEME_DEFAULT,
    secret: '',
    policy: POLICY_DEFAULT,
    custom,
    timeScale: 0,
  };
}

export interface Sample {
  id: string;
  label: string;
  headers: string;
  body: string;
}

const now = 1_767_225_600; // a fixed time, so a sample is the same every time

export const SAMPLES: Sample[] = [
  {
    id: 'invoice.paid',
    label: 'Stripe-like invoice.paid',
    headers: '',
    body: JSON.stringify(
      {
        id: 'evt_1QxV2m2eZvKYlo2C0a9bP1kq',
        object: 'event',
        api_version: '2024-06-20',
        created: now,
        type: 'invoice.paid',
        livemode: false,
        data: {
          object: {
            id: 'in_1QxV2l2eZvKYlo2CqW3tYH7d',
            object: 'invoice',
            amount_due: 4900,
            amount_paid: 4900,
            currency: 'usd',
            customer: 'cus_R8fJ2kq0Zx1a',
            customer_email: 'ada@example.com',
            status: 'paid',
            subscription: 'sub_1QxV0k2eZvKYlo2C',
            lines: { object: 'list', data: [{ id: 'il_1', amount: 4900, description: '1 × Pro (at $49.00 / month)' }] },
          },
        },
      },
      null,
      2,
    ),
  },
  {
    id: 'push',
    label: 'GitHub push',
    headers: 'X-GitHub-Event: push',
    body: JSON.stringify(
      {
        ref: 'refs/heads/main',
        before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
        repository: { id: 1296269, name: 'Hello-World', full_name: 'octocat/Hello-World', private: false },
        pusher: { name: 'octocat', email: 'octocat@github.com' },
        sender: { login: 'octocat', id: 1 },
        commits: [
          {
            id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
            message: 'Update README.md',
            timestamp: '2026-01-01T00:00:00Z',
            author: { name: 'Monalisa Octocat', email: 'mona@github.com' },
            added: [],
            removed: [],
            modified: ['README.md'],
          },
        ],
        head_commit: { id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', message: 'Update README.md' },
      },
      null,
      2,
    ),
  },
];

/** Why Send is refused before asking the engine: the body is not JSON, or a header line is bad. */
export function composerBlocker(f: ComposerForm): string | null {
  const c = checkJson(f.body, true);
  if (!c.ok) return `The body is not valid JSON: ${describeJsonError(c)}`;
  if (f.target === TO_URL && f.url.trim() === '') return 'Give a URL to send to, or pick a destination.';
  return null;
}

/** The input to send, or problems found first (keyed by the engine's field names). */
export function toEventInput(f: ComposerForm): { input: EventInput } | { problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const { headers, problem } = parseHeaderLines(f.headers);
  if (problem) problems.headers = problem;
  const json = checkJson(f.body, true);
  if (!json.ok) problems.body = describeJsonError(json) ?? 'not JSON';
  const input: EventInput = { headers, body: f.body };
  if (f.target === TO_URL) input.url = f.url.trim();
  else input.destination = Number(f.target);
  if (f.method) input.method = f.method;
  if (f.secret.trim() !== '') input.secret = f.secret;
  if (f.scheme !== SCHEME_DEFAULT) input.scheme = f.scheme;
  if (f.policy === POLICY_CUSTOM) {
    const p = toPolicy(f.custom, 'policy');
    if ('problems' in p) Object.assign(problems, p.problems);
    else input.policy = p.value;
  } else if (f.policy !== POLICY_DEFAULT) {
    input.policy = f.policy;
  }
  if (f.timeScale > 0) input.time_scale = f.timeScale;
  if (Object.keys(problems).length > 0) return { problems };
  return { input };
}
