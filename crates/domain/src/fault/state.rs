//! What fault plans remember between requests: fail-first counts and each plan's random sequence.
//! Plain data, so the engine can persist it and a restarted run continues where it stopped.

use std::collections::BTreeMap;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{FaultKind, FaultPlan};

/// Per-key counts a `fail_first` plan keeps at most; a request with a new key beyond this passes
/// uncounted. Don't raise it freely, because the state is persisted and sent as one document.
pub const MAX_TRACKED_KEYS: usize = 10_000;

/// The memory of one endpoint's plans, by plan id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultState {
    plans: BTreeMap<String, PlanState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct PlanState {
    /// A hash of the plan as it was when this state began; a changed plan starts afresh.
    fingerprint: u64,
    pub(super) rng: PlanRng,
    pub(super) overall: u32,
    pub(super) by_key: BTreeMap<String, u32>,
}

impl FaultState {
    /// The state of `plan`, begun afresh when the plan is new or was changed (settings, switched
    /// on again, re-activated) since the state began.
    pub(super) fn for_plan(&mut self, plan: &FaultPlan) -> &mut PlanState {
        let fingerprint = fingerprint(plan);
        let fresh = || PlanState { fingerprint, rng: PlanRng::new(seed_of(plan)), overall: 0, by_key: BTreeMap::new() };
        let entry = self.plans.entry(plan.id.clone()).or_insert_with(fresh);
        if entry.fingerprint != fingerprint {
            *entry = fresh();
        }
        entry
    }

    /// Forgets plans that are no longer in `plans`, so a deleted plan's memory does not linger.
    pub fn retain(&mut self, plans: &[FaultPlan]) {
        self.plans.retain(|id, _| plans.iter().any(|p| &p.id == id));
    }

    /// How many requests `fail_first` has counted for the plan: overall, or for `key` when the plan
    /// counts per idempotency key (`""` for requests without one).
    pub fn counted(&self, plan_id: &str, key: Option<&str>) -> u32 {
        self.plans.get(plan_id).map_or(0, |state| match key {
            None => state.overall,
            Some(key) => state.by_key.get(key).copied().unwrap_or(0),
        })
    }

    /// Forgets everything: every plan starts afresh (the "heal" button, or a test restarting a run).
    pub fn clear(&mut self) {
        self.plans.clear();
    }
}

impl PlanState {
    /// Counts one request under `key` (`None`: overall) unless `n` are already counted; returns the
    /// number it was given (1-based), or `None` when the first `n` are past or the key can't be tracked.
    pub(super) fn count(&mut self, key: Option<String>, n: u32) -> Option<u32> {
        let slot = match key {
            None => &mut self.overall,
            Some(key) => {
                if !self.by_key.contains_key(&key) && self.by_key.len() >= MAX_TRACKED_KEYS {
                    return None;
                }
                self.by_key.entry(key).or_insert(0)
            }
        };
        (*slot < n).then(|| {
            *slot += 1;
            *slot
        })
    }
}

/// The seed of a plan's random sequence: the seed of its `probability`, else one derived from the
/// plan's id and activation, so every run of a plan is reproducible.
fn seed_of(plan: &FaultPlan) -> u64 {
    fn find(kind: &FaultKind) -> Option<u64> {
        match kind {
            FaultKind::Probability { seed, .. } => Some(*seed),
            FaultKind::FailFirst { fault, .. } | FaultKind::Outage { fault, .. } => find(fault),
            _ => None,
        }
    }
    find(&plan.fault).unwrap_or_else(|| fnv1a(format!("{}@{}", plan.id, plan.activated_at).as_bytes()))
}

fn fingerprint(plan: &FaultPlan) -> u64 {
    fnv1a(&serde_json::to_vec(plan).unwrap_or_default())
}

/// FNV-1a, 64-bit: a stable hash (std's `DefaultHasher` may change between Rust releases, and this
/// one ends up persisted).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small generator whose whole state is one `u64`, so it
/// serializes with `FaultState` and a persisted run resumes the same sequence. Statistically sound
/// for drawing faults; not for secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRng {
    state: u64,
}

impl PlanRng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }
}

impl RngCore for PlanRng {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or_default());
        }
    }
}
