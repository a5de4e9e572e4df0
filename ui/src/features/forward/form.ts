//! The "Forward to a local app" part of the endpoint form: its state, and the translation to and
//! from the API's `forward` settings. The policy is a preset id, the engine's default, or the
//! endpoint's own policy kept as it is when it matches no preset.
import type { components } from '../../api/schema';

export type ForwardSettings = components['schemas']['ForwardSettings'];
type RetryPolicy = components['schemas']['RetryPolicy'];

/** `''`: the engine's default for forwards; `'current'`: keep the endpoint's own policy. */
export const DEFAULT_POLICY = '';
export const CURRENT_POLICY = 'current';
export const FORWARD_PRESETS = ['aggressive', 'standard', 'svix', 'stripe-like', 'none'];

export interface ForwardForm {
  enabled: boolean;
  url: string;
  appendPath: boolean;
  wait: boolean;
  /** Milliseconds as typed; '' = the default (10 s). */
  timeoutMs: string;
  policy: string;
  hold: boolean;
}

export function emptyForward(): ForwardForm {
  return { enabled: false, url: 'http://localhost:3000/webhooks', appendPath: false, wait: false, timeoutMs: '', policy: DEFAULT_POLICY, hold: false };
}

/** The preset whose policy this is (compared as JSON), or `'current'` for a policy of its own. */
export function policyChoice(policy: RetryPolicy | undefined, presets: { id: string; policy: RetryPolicy }[]): string {
  if (!policy) return DEFAULT_POLICY;
  const same = presets.find((p) => JSON.stringify(p.policy) === JSON.stringify(policy));
  return same ? same.id : CURRENT_POLICY;
}

export function forwardFormFrom(
  f: ForwardSettings | null | undefined,
  presets: { id: string; policy: RetryPolicy }[] = [],
): ForwardForm {
  if (!f) return emptyForward();
  return {
    enabled: true,
    url: f.url,
    appendPath: f.append_path ?? false,
    wait: f.wait ?? false,
    timeoutMs: f.timeout_ms != null ? String(f.timeout_ms) : '',
    policy: policyChoice(f.policy, presets),
    hold: f.hold ?? false,
  };
}

/**
 * The settings to send: `null` turns forwarding off. A timeout that is not a whole number is sent
 * as typed so the engine's message names the field (`forward.timeout_ms: …`).
 */
export function forwardInput(f: ForwardForm, current: ForwardSettings | null | undefined): ForwardSettings | null {
  if (!f.enabled) return null;
  const out: ForwardSettings = { url: f.url.trim(), append_path: f.appendPath, wait: f.wait, hold: f.hold };
  const t = f.timeoutMs.trim();
  if (t !== '') {
    const n = Number(t);
    out.timeout_ms = (Number.isInteger(n) ? n : t) as number;
  }
  if (f.policy === CURRENT_POLICY) {
    if (current?.policy) out.policy = current.policy;
  } else if (f.policy !== DEFAULT_POLICY) {
    // The engine takes a preset id where a policy goes.
    out.policy = f.policy as unknown as RetryPolicy;
  }
  return out;
}

/** One line for an endpoint card: where it forwards and how. */
export function forwardSummary(f: ForwardSettings | null | undefined): string | null {
  if (!f) return null;
  const how = [f.wait ? 'waits for the app' : null, f.hold ? 'held until released' : null].filter(Boolean);
  return `forwards to ${f.url}${f.append_path ? ' (+ path)' : ''}${how.length ? ` · ${how.join(' · ')}` : ''}`;
}
