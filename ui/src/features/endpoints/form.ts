//! The endpoint form's state and its translation to and from the API's `EndpointInput`, plus the
//! split of a 422 message ("name: …; path_prefix: …") into per-field errors.
import type { DuplicateResponse, Endpoint, EndpointInput, Encoding, HmacAlgorithm, SchemeInfo } from '../../api/types';
import { emptyForward, forwardFormFrom, forwardInput, type ForwardForm, type ForwardSettings } from '../forward/form';

export const CUSTOM = 'custom';
export const DEFAULT_TTL_SECS = 7 * 24 * 3600;
export const DEDUPE_HEADER_PRESETS = ['Idempotency-Key', 'webhook-id', 'svix-id', 'X-GitHub-Delivery', 'X-Shopify-Webhook-Id'];

export interface CustomForm {
  algorithm: HmacAlgorithm;
  header: string;
  encoding: Encoding;
  prefix: string;
  timestampHeader: string;
  template: string;
}

export interface EndpointForm {
  name: string;
  prefix: string;
  /** '' = no signature check, a scheme id from /api/schemes, or 'custom'. */
  scheme: string;
  custom: CustomForm;
  /** Newest first: index 0 is "current". */
  secrets: string[];
  /** '' = the scheme's default. */
  tolerance: string;
  mode: 'flag' | 'enforce';
  dedupe: 'off' | 'header' | 'json_pointer' | 'body_hash';
  dedupeHeader: string;
  dedupePointer: string;
  ttl: string;
  onDuplicate: DuplicateResponse;
  forward: ForwardForm;
  /** The endpoint's forward settings as loaded, so a policy of its own is kept as it is. */
  forwardCurrent: ForwardSettings | null;
  /** Settings this form does not edit (fault plans, response rules), sent back as loaded: a PUT replaces them all. */
  kept: Pick<EndpointInput, 'faults' | 'responses'>;
}

export function emptyForm(): EndpointForm {
  return {
    name: '',
    prefix: '',
    scheme: '',
    custom: { algorithm: 'sha256', header: 'X-Signature', encoding: 'hex', prefix: '', timestampHeader: '', template: '{body}' },
    secrets: [''],
    tolerance: '',
    mode: 'flag',
    dedupe: 'off',
    dedupeHeader: 'Idempotency-Key',
    dedupePointer: '/id',
    ttl: String(DEFAULT_TTL_SECS),
    onDuplicate: 'same_as_first',
    forward: emptyForward(),
    forwardCurrent: null,
    kept: {},
  };
}

/** "current", "previous #1", … — the engine's labels for secrets by position. */
export function secretLabel(i: number): string {
  return i === 0 ? 'current' : `previous #${i}`;
}

type AnyScheme = { kind: string } & Record<string, unknown>;

export function formFrom(e: Partial<EndpointInput> | Endpoint, schemes: SchemeInfo[]): EndpointForm {
  const f = emptyForm();
  f.name = e.name ?? '';
  f.prefix = e.path_prefix ?? '';
  f.mode = e.signature_mode === 'enforce' ? 'enforce' : 'flag';
  const sig = e.signature;
  if (sig) {
    const scheme = sig.scheme as AnyScheme;
    if (scheme.kind === 'custom_hmac') {
      f.scheme = CUSTOM;
      f.custom = {
        algorithm: (scheme.algorithm as HmacAlgorithm) ?? 'sha256',
        header: String(scheme.header ?? ''),
        encoding: (scheme.encoding as Encoding) ?? 'hex',
        prefix: String(scheme.prefix ?? ''),
        timestampHeader: scheme.timestamp_header ? String(scheme.timestamp_header) : '',
        template: String(scheme.template ?? '{body}'),
      };
    } else {
      f.scheme = schemes.find((s) => (s.scheme as AnyScheme).kind === scheme.kind)?.id ?? '';
    }
    f.secrets = sig.secrets.length > 0 ? [...sig.secrets] : [''];
    f.tolerance = sig.tolerance_secs != null ? String(sig.tolerance_secs) : '';
  }
  const d = e.dedupe;
  if (d) {
    f.dedupe = d.source.kind;
    if (d.source.kind === 'header') f.dedupeHeader = d.source.name;
    if (d.source.kind === 'json_pointer') f.dedupePointer = d.source.pointer;
    if (d.ttl_secs != null) f.ttl = String(d.ttl_secs);
    if (d.on_duplicate) f.onDuplicate = d.on_duplicate;
  }
  f.forward = forwardFormFrom(e.forward);
  f.forwardCurrent = e.forward ?? null;
  if (e.faults !== undefined) f.kept.faults = e.faults;
  if (e.responses !== undefined) f.kept.responses = e.responses;
  return f;
}

function intOrNull(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const n = Number(t);
  // Sent as typed when not a whole number, so the engine's validation names the field.
  return Number.isFinite(n) ? n : (t as unknown as number);
}

export function toInput(f: EndpointForm, schemes: SchemeInfo[]): EndpointInput {
  const input: EndpointInput = { ...f.kept, name: f.name.trim(), path_prefix: f.prefix.trim(), signature_mode: f.mode };
  if (f.scheme) {
    let scheme: AnyScheme;
    if (f.scheme === CUSTOM) {
      scheme = {
        kind: 'custom_hmac',
        algorithm: f.custom.algorithm,
        header: f.custom.header.trim(),
        encoding: f.custom.encoding,
        prefix: f.custom.prefix,
        template: f.custom.template,
        timestamp_header: f.custom.timestampHeader.trim() || null,
      };
    } else {
      scheme = (schemes.find((s) => s.id === f.scheme)?.scheme as AnyScheme) ?? { kind: f.scheme };
    }
    input.signature = {
      scheme: scheme as NonNullable<EndpointInput['signature']>['scheme'],
      // Secrets are kept exactly as typed (spaces inside are real); blank rows are dropped.
      secrets: f.secrets.filter((s) => s !== ''),
      tolerance_secs: intOrNull(f.tolerance),
    };
  } else {
    input.signature = null;
  }
  if (f.dedupe === 'off') {
    input.dedupe = null;
  } else {
    const source =
      f.dedupe === 'header'
        ? { kind: 'header' as const, name: f.dedupeHeader.trim() }
        : f.dedupe === 'json_pointer'
          ? { kind: 'json_pointer' as const, pointer: f.dedupePointer.trim() }
          : { kind: 'body_hash' as const };
    input.dedupe = { source, ttl_secs: intOrNull(f.ttl) ?? DEFAULT_TTL_SECS, on_duplicate: f.onDuplicate };
  }
  // Left out, the engine turns forwarding off (a PUT replaces the settings).
  if (f.forward.enabled) input.forward = forwardInput(f.forward, f.forwardCurrent);
  return input;
}

export interface FieldErrors {
  /** By API field path: `name`, `path_prefix`, `signature.secrets`, `dedupe.source`, … */
  fields: Record<string, string>;
  /** Parts of the message that name no field. */
  general: string[];
}

/** Splits the engine's 422 message, which names each field as `path: problem` joined by `; `. */
export function splitFieldErrors(message: string): FieldErrors {
  const out: FieldErrors = { fields: {}, general: [] };
  for (const part of message.split(/;\s+(?=[a-z_]+(?:\.[a-z_]+)*:\s)/)) {
    const m = /^([a-z_]+(?:\.[a-z_]+)*):\s(.*)$/s.exec(part.trim());
    if (m) out.fields[m[1]] = out.fields[m[1]] ? `${out.fields[m[1]]}; ${m[2]}` : m[2];
    else if (part.trim()) out.general.push(part.trim());
  }
  return out;
}

/** The errors under one form section: fields whose path starts with `prefix`. */
export function errorsFor(errors: FieldErrors | null, ...prefixes: string[]): string[] {
  if (!errors) return [];
  return Object.entries(errors.fields)
    .filter(([k]) => prefixes.some((p) => k === p || k.startsWith(p + '.')))
    .map(([k, v]) => `${k}: ${v}`);
}
