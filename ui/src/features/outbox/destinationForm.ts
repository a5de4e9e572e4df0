//! The destination form's state and its translation to and from the API's `DestinationInput`.
//! Headers are written one per line (`Name: value`), secrets one per line, newest first.
import type { Destination, DestinationInput, RetryPreset } from '../../api/events';
import type { SchemeInfo } from '../../api/types';
import { durationProblem, emptyPolicyForm, policyFormFrom, toPolicy, type PolicyForm } from './policy';

export const UNSIGNED = '';
export const DEFAULT_SCHEME = 'standard-webhooks';
export const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'];

export interface DestinationForm {
  name: string;
  url: string;
  method: string;
  headers: string;
  /** A scheme id from /api/schemes, or '' for unsigned. */
  scheme: string;
  secrets: string;
  timeoutSecs: string;
  policy: PolicyForm;
  threshold: string;
  coolDown: string;
  maxCoolDown: string;
  /** Kept as stored (the form does not show it): each failed probe multiplies the cool-down by it. */
  coolDownFactor: number;
  /** '' = no rate limit. */
  ratePerSecond: string;
  burst: string;
  /** '' = no limit. */
  maxInFlight: string;
  timeScale: number;
}

export function emptyDestinationForm(): DestinationForm {
  return {
    name: '',
    url: '',
    method: 'POST',
    headers: '',
    scheme: DEFAULT_SCHEME,
    secrets: '',
    timeoutSecs: '15',
    policy: emptyPolicyForm(),
    threshold: '5',
    coolDown: '30s',
    maxCoolDown: '5m',
    coolDownFactor: 2,
    ratePerSecond: '',
    burst: '1',
    maxInFlight: '',
    timeScale: 1,
  };
}

type AnyScheme = { kind: string } & Record<string, unknown>;

export function schemeId(scheme: unknown, schemes: SchemeInfo[]): string {
  const kind = (scheme as AnyScheme | undefined)?.kind;
  return schemes.find((s) => (s.scheme as AnyScheme).kind === kind)?.id ?? DEFAULT_SCHEME;
}

export function formFromDestination(d: Destination, schemes: SchemeInfo[], presets: RetryPreset[]): DestinationForm {
  const f = emptyDestinationForm();
  f.name = d.name;
  f.url = d.url;
  f.method = d.method ?? 'POST';
  f.headers = (d.headers ?? []).map((h) => `${h.name}: ${h.value}`).join('\n');
  f.scheme = d.signing ? schemeId(d.signing.scheme, schemes) : UNSIGNED;
  f.secrets = (d.signing?.secrets ?? []).join('\n');
  f.timeoutSecs = String((d.timeout_ms ?? 15_000) / 1000);
  f.policy = policyFormFrom(d.retry, presets);
  f.threshold = String(d.breaker?.failure_threshold ?? 5);
  f.coolDown = d.breaker?.cool_down ?? '30s';
  f.maxCoolDown = d.breaker?.max_cool_down ?? '5m';
  f.coolDownFactor = d.breaker?.cool_down_factor ?? 2;
  f.ratePerSecond = d.limits?.rate ? String(d.limits.rate.per_second) : '';
  f.burst = String(d.limits?.rate?.burst ?? 1);
  f.maxInFlight = d.limits?.max_in_flight != null ? String(d.limits.max_in_flight) : '';
  f.timeScale = d.time_scale ?? 1;
  return f;
}

/** `Name: value` lines; a line without a colon is a problem named by its line number. */
export function parseHeaderLines(text: string): { headers: { name: string; value: string }[]; problem: string | null } {
  const headers: { name: string; value: string }[] = [];
  let problem: string | null = null;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problem ??= `line ${i + 1}: write a header as Name: value`;
      return;
    }
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  });
  return { headers, problem };
}


/** The input to send, or problems found first (keyed by the engine's field names). */
export function toDestinationInput(
  f: DestinationForm,
  schemes: SchemeInfo[],
): { input: DestinationInput } | { problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const { headers, problem } = parseHeaderLines(f.headers);
  if (problem) problems.headers = problem;
  const policy = toPolicy(f.policy, 'retry');
  if ('problems' in policy) Object.assign(problems, policy.problems);
  const timeout = Number(f.timeoutSecs.trim());
  if (!Number.isFinite(timeout) || f.timeoutSecs.trim() === '') problems.timeout_ms = `'${f.timeoutSecs}' is not a number of seconds`;
  const whole = (field: string, text: string): number => {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(n) || n < 0) problems[field] = `'${text}' must be a whole number`;
    return n;
  };
  const threshold = whole('breaker.failure_threshold', f.threshold);
  for (const [field, text] of [
    ['breaker.cool_down', f.coolDown],
    ['breaker.max_cool_down', f.maxCoolDown],
  ] as const) {
    const p = durationProblem(text);
    if (p) problems[field] = p;
  }
  const rate = f.ratePerSecond.trim() === '' ? null : Number(f.ratePerSecond.trim());
  if (rate !== null && !Number.isFinite(rate)) problems['limits.rate.per_second'] = `'${f.ratePerSecond}' is not a number`;
  const burst = rate === null ? 1 : whole('limits.rate.burst', f.burst);
  const maxInFlight = f.maxInFlight.trim() === '' ? null : whole('limits.max_in_flight', f.maxInFlight);
  if (Object.keys(problems).length > 0) return { problems };
  const scheme = schemes.find((s) => s.id === f.scheme)?.scheme;
  const input = {
    name: f.name.trim(),
    url: f.url.trim(),
    method: f.method,
    headers,
    signing:
      f.scheme === UNSIGNED
        ? null
        : { scheme: scheme ?? f.scheme, secrets: f.secrets.split('\n').map((s) => s.trim()).filter((s) => s !== '') },
    timeout_ms: Math.round(timeout * 1000),
    retry: 'value' in policy ? policy.value : undefined,
    breaker: { failure_threshold: threshold, cool_down: f.coolDown.replace(/\s+/g, ''), max_cool_down: f.maxCoolDown.replace(/\s+/g, ''), cool_down_factor: f.coolDownFactor },
    limits: { rate: rate === null ? null : { per_second: rate, burst }, max_in_flight: maxInFlight },
    time_scale: f.timeScale,
  };
  return { input: input as unknown as DestinationInput };
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export function newSecret(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}
