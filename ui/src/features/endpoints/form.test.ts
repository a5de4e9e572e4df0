import { describe, expect, it } from 'vitest';
import type { SchemeInfo } from '../../api/types';
import { emptyForm, errorsFor, formFrom, secretLabel, splitFieldErrors, toInput } from './form';

const schemes = [
  { id: 'github', label: 'GitHub', scheme: { kind: 'github' }, default_tolerance_secs: null },
  { id: 'standard-webhooks', label: 'Standard Webhooks', scheme: { kind: 'standard_webhooks' }, default_tolerance_secs: 300 },
] as SchemeInfo[];

describe('endpoint form ↔ EndpointInput', () => {
  it('builds a scheme endpoint with secrets newest first and header dedupe', () => {
    const f = emptyForm();
    Object.assign(f, {
      name: ' GitHub ',
      prefix: '/github',
      scheme: 'github',
      secrets: ["It's a Secret to Everybody", '', 'old one '],
      tolerance: '',
      mode: 'enforce',
      dedupe: 'header',
      dedupeHeader: 'X-GitHub-Delivery',
      onDuplicate: 'conflict',
    });
    expect(toInput(f, schemes)).toEqual({
      name: 'GitHub',
      path_prefix: '/github',
      signature_mode: 'enforce',
      signature: { scheme: { kind: 'github' }, secrets: ["It's a Secret to Everybody", 'old one '], tolerance_secs: null },
      dedupe: { source: { kind: 'header', name: 'X-GitHub-Delivery' }, ttl_secs: 604800, on_duplicate: 'conflict' },
    });
  });
  it('builds a custom HMAC scheme and turns checks off when asked', () => {
    const f = emptyForm();
    f.scheme = 'custom';
    f.custom = { algorithm: 'sha512', header: 'X-Sig', encoding: 'base64', prefix: 'v1=', timestampHeader: 'X-Ts', template: '{timestamp}.{body}' };
    f.secrets = ['k'];
    f.tolerance = '60';
    const input = toInput(f, schemes);
    expect(input.signature).toEqual({
      scheme: { kind: 'custom_hmac', algorithm: 'sha512', header: 'X-Sig', encoding: 'base64', prefix: 'v1=', template: '{timestamp}.{body}', timestamp_header: 'X-Ts' },
      secrets: ['k'],
      tolerance_secs: 60,
    });
    expect(input.dedupe).toBeNull();
    expect(toInput(emptyForm(), schemes).signature).toBeNull();
  });
  it('reads an endpoint back into the same form', () => {
    const f = emptyForm();
    Object.assign(f, { name: 'SW', prefix: '/sw', scheme: 'standard-webhooks', secrets: ['whsec_a', 'whsec_b'], tolerance: '30', dedupe: 'json_pointer', dedupePointer: '/data/id', ttl: '60' });
    const back = formFrom(toInput(f, schemes), schemes);
    expect(back).toEqual(f);
  });
  it('labels secrets like the engine', () => {
    expect([0, 1, 2].map(secretLabel)).toEqual(['current', 'previous #1', 'previous #2']);
  });
});

describe('splitFieldErrors', () => {
  const msg =
    "name: give the endpoint a name; path_prefix: 'nope' must start with '/', e.g. /stripe; signature.scheme: unknown placeholder {bad} at character 0; use {body}, {timestamp}; dedupe.source: 'id' is not a JSON pointer: it must start with '/'";
  it('names each field, keeping semicolons inside a message', () => {
    const e = splitFieldErrors(msg);
    expect(Object.keys(e.fields)).toEqual(['name', 'path_prefix', 'signature.scheme', 'dedupe.source']);
    expect(e.fields['signature.scheme']).toBe('unknown placeholder {bad} at character 0; use {body}, {timestamp}');
    expect(e.fields['dedupe.source']).toContain("must start with '/'");
    expect(errorsFor(e, 'signature')).toEqual(['signature.scheme: unknown placeholder {bad} at character 0; use {body}, {timestamp}']);
  });
  it('keeps a message without field names as general', () => {
    expect(splitFieldErrors('the default endpoint catches every path; its prefix cannot change')).toEqual({
      fields: {},
      general: ['the default endpoint catches every path; its prefix cannot change'],
    });
  });
});
