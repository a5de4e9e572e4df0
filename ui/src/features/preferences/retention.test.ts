import { describe, expect, it } from 'vitest';
import { formFromRetention, retentionFromForm } from './retention';

describe('the retention form', () => {
  it('reads empty as no limit and refuses zero or words', () => {
    expect(retentionFromForm({ maxCaptures: '100,000', maxAgeDays: '' })).toEqual({ ok: true, retention: { max_captures: 100000, max_age_days: null } });
    expect(retentionFromForm({ maxCaptures: '', maxAgeDays: '40000' }).ok).toBe(false); // the engine's limit
    const bad = retentionFromForm({ maxCaptures: '0', maxAgeDays: 'a month' });
    expect(!bad.ok && Object.keys(bad.errors).sort()).toEqual(['maxAgeDays', 'maxCaptures']);
    expect(formFromRetention({ max_captures: null, max_age_days: 30 })).toEqual({ maxCaptures: '', maxAgeDays: '30' });
  });
});
