//! Engine-wide settings that outlive a restart: today the global time scale of the sender.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::retry::TimeScale;

/// The settings as stored and as `GET /api/settings` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    /// Speed factor for every event whose own scale is 1× (real time): 60 runs an hour's schedule in
    /// a minute. An event (or its destination) with its own scale keeps it.
    #[serde(default)]
    pub time_scale: TimeScale,
    #[serde(default)]
    pub retention: Retention,
}

/// How many captures are kept: the oldest beyond either limit are deleted (`null`: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    #[serde(default)]
    pub max_captures: Option<u64>,
    #[serde(default)]
    pub max_age_days: Option<u32>,
}

/// A change to the settings: fields left out stay as they are; an unknown field is refused.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(default)]
    pub time_scale: Option<TimeScale>,
    /// Replaces the retention limits whole.
    #[serde(default)]
    pub retention: Option<Retention>,
}

/// The largest time scale (an hour in a second).
pub const MAX_TIME_SCALE: f64 = 3600.0;

impl Settings {
    /// The settings with the patch applied, or every problem as `field: what is wrong`.
    pub fn patched(self, patch: SettingsPatch) -> Result<Settings, Vec<String>> {
        let mut next = self;
        let mut problems = Vec::new();
        if let Some(scale) = patch.time_scale {
            if scale.factor() > MAX_TIME_SCALE {
                problems.push(format!("time_scale: {} is more than {MAX_TIME_SCALE}", scale.factor()));
            }
            next.time_scale = scale;
        }
        if let Some(r) = patch.retention {
            if r.max_captures == Some(0) {
                problems.push("retention.max_captures: keep at least 1 capture (or null for no limit)".to_owned());
            }
            if r.max_age_days.is_some_and(|d| d == 0 || d > 36_500) {
                problems.push("retention.max_age_days: between 1 and 36500 days (or null for no limit)".to_owned());
            }
            next.retention = r;
        }
        if problems.is_empty() { Ok(next) } else { Err(problems) }
    }

    /// The scale an event runs at: its own when it has one (not 1×), else the global one.
    pub fn effective_scale(&self, own: TimeScale) -> TimeScale {
        if own.is_real() { self.time_scale } else { own }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(f: f64) -> TimeScale {
        TimeScale::new(f).unwrap()
    }

    #[test]
    fn an_events_own_scale_wins_over_the_global_one() {
        let settings = Settings { time_scale: scale(60.0), ..Settings::default() };
        assert_eq!(settings.effective_scale(TimeScale::REAL), scale(60.0));
        assert_eq!(settings.effective_scale(scale(10.0)), scale(10.0));
        assert_eq!(Settings::default().effective_scale(TimeScale::REAL), TimeScale::REAL);
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_is_checked() {
        let s = Settings::default()
            .patched(SettingsPatch { time_scale: Some(scale(3600.0)), ..Default::default() })
            .unwrap();
        assert_eq!(s.time_scale, scale(3600.0));
        assert_eq!(s.patched(SettingsPatch::default()).unwrap(), s);
        let err = s.patched(SettingsPatch { time_scale: Some(scale(7200.0)), ..Default::default() }).unwrap_err();
        assert_eq!(err, vec!["time_scale: 7200 is more than 3600".to_owned()]);
        let keep = Retention { max_captures: Some(0), max_age_days: Some(0) };
        let err = s.patched(SettingsPatch { retention: Some(keep), ..Default::default() }).unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        let keep = Retention { max_captures: Some(1000), max_age_days: None };
        assert_eq!(s.patched(SettingsPatch { retention: Some(keep), ..Default::default() }).unwrap().retention, keep);
        assert!(serde_json::from_str::<SettingsPatch>(r#"{"time_scael":60}"#).is_err(), "a typo is refused");
    }

    #[test]
    fn stored_documents_from_older_versions_read_with_defaults() {
        let s: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, Settings::default());
        let bad = serde_json::from_str::<SettingsPatch>(r#"{"time_scale":0.5}"#);
        assert!(bad.is_err());
    }
}
