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
}

/// A change to the settings: fields left out stay as they are.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub struct SettingsPatch {
    #[serde(default)]
    pub time_scale: Option<TimeScale>,
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
        let settings = Settings { time_scale: scale(60.0) };
        assert_eq!(settings.effective_scale(TimeScale::REAL), scale(60.0));
        assert_eq!(settings.effective_scale(scale(10.0)), scale(10.0));
        assert_eq!(Settings::default().effective_scale(TimeScale::REAL), TimeScale::REAL);
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_is_checked() {
        let s = Settings::default().patched(SettingsPatch { time_scale: Some(scale(3600.0)) }).unwrap();
        assert_eq!(s.time_scale, scale(3600.0));
        assert_eq!(s.patched(SettingsPatch::default()).unwrap(), s);
        let err = s.patched(SettingsPatch { time_scale: Some(scale(7200.0)) }).unwrap_err();
        assert_eq!(err, vec!["time_scale: 7200 is more than 3600".to_owned()]);
    }

    #[test]
    fn stored_documents_from_older_versions_read_with_defaults() {
        let s: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, Settings::default());
        let bad = serde_json::from_str::<SettingsPatch>(r#"{"time_scale":0.5}"#);
        assert!(bad.is_err());
    }
}
