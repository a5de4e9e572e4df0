//! Engine-wide settings: read at start, changed through `update_settings`, saved in the store.

use hookbench_domain::retry::TimeScale;
use hookbench_domain::settings::{Settings, SettingsPatch};

use crate::{Engine, EngineError, LiveEvent};

impl Engine {
    pub fn settings(&self) -> Settings {
        *self.settings.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The scale an event with its own scale `own` runs at now.
    pub fn effective_scale(&self, own: TimeScale) -> TimeScale {
        self.settings().effective_scale(own)
    }

    /// Applies and saves a change. A new global time scale also moves the waiting retries that run at
    /// it, so the time they still wait shrinks or grows with the scale (each gets a timeline mark).
    pub async fn update_settings(&self, patch: SettingsPatch) -> Result<Settings, EngineError> {
        // One change at a time, so two racing updates cannot rescale from the same old value.
        let _one = self.settings_change.lock().await;
        let old = self.settings();
        let new = old.patched(patch).map_err(EngineError::Invalid)?;
        let rescale = (new.time_scale != old.time_scale).then(|| {
            let ratio = old.time_scale.factor() / new.time_scale.factor();
            (ratio, format!("global time scale {} → {}: next attempt moved", old.time_scale, new.time_scale))
        });
        let moved = self.store.save_settings(new, rescale, self.now_ms()).await?;
        *self.settings.write().unwrap_or_else(std::sync::PoisonError::into_inner) = new;
        if !moved.is_empty() {
            tracing::info!(events = moved.len(), scale = %new.time_scale, "waiting retries rescaled");
            self.outbound.wake();
        }
        self.bus.publish(LiveEvent::SettingsChanged(new));
        if new.retention != old.retention
            && let Err(e) = self.apply_retention().await
        {
            tracing::warn!(error = %e, "cannot apply the new retention limits yet");
        }
        Ok(new)
    }
}
