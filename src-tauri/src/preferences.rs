//! Where the engine listens and keeps its data: preferences from `settings.json`, environment overrides, defaults.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;

/// The store file the UI edits through tauri-plugin-store; relative paths resolve to the app data dir.
pub const SETTINGS_FILE: &str = "settings.json";

pub const DEFAULT_RECEIVER_PORT: u16 = 9000;
pub const DEFAULT_API_PORT: u16 = 9001;

/// Both listeners stay on loopback: binding beyond it is an explicit choice the desktop doesn't offer yet.
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    /// The native window theme; `None` follows the desktop.
    pub fn window_theme(self) -> Option<tauri::Theme> {
        match self {
            Theme::System => None,
            Theme::Light => Some(tauri::Theme::Light),
            Theme::Dark => Some(tauri::Theme::Dark),
        }
    }
}

/// What the user chose in `settings.json` (keys `receiverPort`, `apiPort`, `dataDir`, `theme`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub receiver_port: u16,
    pub api_port: u16,
    /// `None`: the app data dir.
    pub data_dir: Option<PathBuf>,
    pub theme: Theme,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            receiver_port: DEFAULT_RECEIVER_PORT,
            api_port: DEFAULT_API_PORT,
            data_dir: None,
            theme: Theme::System,
        }
    }
}

impl Preferences {
    /// Reads the preferences through `get` (a store lookup). A missing key takes its default; a value of
    /// the wrong shape takes its default too and adds a warning, because a typo in a settings file must
    /// not keep the app from starting.
    pub fn read(get: impl Fn(&str) -> Option<Value>) -> (Preferences, Vec<String>) {
        let mut warnings = Vec::new();
        let defaults = Preferences::default();
        let receiver_port = port(get("receiverPort"), "receiverPort", &mut warnings).unwrap_or(defaults.receiver_port);
        let api_port = port(get("apiPort"), "apiPort", &mut warnings).unwrap_or(defaults.api_port);
        let data_dir = match get("dataDir") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(PathBuf::from(s)),
            Some(other) => {
                warnings.push(format!("dataDir {other} is not a folder path; using the app data dir"));
                None
            }
        };
        let theme = match get("theme") {
            None | Some(Value::Null) => defaults.theme,
            Some(Value::String(s)) if s == "system" => Theme::System,
            Some(Value::String(s)) if s == "light" => Theme::Light,
            Some(Value::String(s)) if s == "dark" => Theme::Dark,
            Some(other) => {
                warnings
                    .push(format!("theme {other} is not one of \"system\", \"light\", \"dark\"; following the system"));
                Theme::System
            }
        };
        (Preferences { receiver_port, api_port, data_dir, theme }, warnings)
    }
}

fn port(value: Option<Value>, key: &str, warnings: &mut Vec<String>) -> Option<u16> {
    let value = value?;
    if value.is_null() {
        return None;
    }
    match value.as_u64().and_then(|n| u16::try_from(n).ok()) {
        Some(port) => Some(port),
        None => {
            warnings.push(format!("{key} {value} is not a port (0-65535); using the default"));
            None
        }
    }
}

/// Environment overrides, for tests and scripted launches; each wins over its preference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub receiver_addr: Option<SocketAddr>,
    pub api_addr: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
}

pub const RECEIVER_ADDR_VAR: &str = "HOOKBENCH_RECEIVER_ADDR";
pub const API_ADDR_VAR: &str = "HOOKBENCH_API_ADDR";
pub const DATA_DIR_VAR: &str = "HOOKBENCH_DATA_DIR";

impl Overrides {
    /// Reads the overrides through `var` (an environment lookup). An address that doesn't parse is an
    /// error rather than a silent default: whoever set it wanted that exact address.
    pub fn read(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Overrides> {
        let addr = |name: &str| -> anyhow::Result<Option<SocketAddr>> {
            match var(name) {
                None => Ok(None),
                Some(s) if s.trim().is_empty() => Ok(None),
                Some(s) => s
                    .trim()
                    .parse()
                    .map(Some)
                    .with_context(|| format!("{name}={s:?} is not an address like 127.0.0.1:9000")),
            }
        };
        let data_dir = var(DATA_DIR_VAR).filter(|s| !s.trim().is_empty()).map(PathBuf::from);
        Ok(Overrides { receiver_addr: addr(RECEIVER_ADDR_VAR)?, api_addr: addr(API_ADDR_VAR)?, data_dir })
    }
}

/// Where this launch asks the engine to listen and store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub receiver_addr: SocketAddr,
    pub api_addr: SocketAddr,
    pub data_dir: PathBuf,
}

impl Placement {
    pub fn resolve(prefs: &Preferences, overrides: &Overrides, app_data_dir: &Path) -> anyhow::Result<Placement> {
        let data_dir = match (&overrides.data_dir, &prefs.data_dir) {
            (Some(dir), _) | (None, Some(dir)) => dir.clone(),
            (None, None) => app_data_dir.to_path_buf(),
        };
        if data_dir.is_relative() {
            bail!("the data folder {} is a relative path; give an absolute one", data_dir.display());
        }
        Ok(Placement {
            receiver_addr: overrides.receiver_addr.unwrap_or(SocketAddr::new(LOOPBACK, prefs.receiver_port)),
            api_addr: overrides.api_addr.unwrap_or(SocketAddr::new(LOOPBACK, prefs.api_port)),
            data_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, Value)]) -> impl Fn(&str) -> Option<Value> {
        let map: HashMap<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        move |key| map.get(key).cloned()
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn an_empty_settings_file_gives_the_documented_defaults() {
        let (prefs, warnings) = Preferences::read(settings(&[]));
        assert_eq!(prefs.receiver_port, 9000, "the receiver defaults to 9000");
        assert_eq!(prefs.api_port, 9001, "the control API defaults to 9001");
        assert_eq!(prefs.data_dir, None, "the data dir defaults to the app data dir");
        assert_eq!(prefs.theme, Theme::System, "the theme follows the system by default");
        assert!(warnings.is_empty(), "nothing to warn about: {warnings:?}");
    }

    #[test]
    fn chosen_ports_folder_and_theme_are_read() {
        let (prefs, warnings) = Preferences::read(settings(&[
            ("receiverPort", json!(7000)),
            ("apiPort", json!(7001)),
            ("dataDir", json!("/srv/hooks")),
            ("theme", json!("dark")),
        ]));
        assert_eq!(
            prefs,
            Preferences {
                receiver_port: 7000,
                api_port: 7001,
                data_dir: Some(PathBuf::from("/srv/hooks")),
                theme: Theme::Dark,
            }
        );
        assert!(warnings.is_empty(), "valid values raise no warning: {warnings:?}");
        assert_eq!(prefs.theme.window_theme(), Some(tauri::Theme::Dark), "dark maps to the dark window theme");
    }

    #[test]
    fn malformed_values_fall_back_to_defaults_with_a_warning_each() {
        let (prefs, warnings) = Preferences::read(settings(&[
            ("receiverPort", json!(70000)),
            ("apiPort", json!("9001")),
            ("dataDir", json!(42)),
            ("theme", json!("solarized")),
        ]));
        assert_eq!(prefs, Preferences::default(), "every malformed value takes its default");
        assert_eq!(warnings.len(), 4, "one warning per malformed value: {warnings:?}");
        assert!(warnings[0].contains("receiverPort 70000"), "the warning names the key and value: {}", warnings[0]);
    }

    #[test]
    fn null_and_blank_values_mean_unset() {
        let (prefs, warnings) = Preferences::read(settings(&[
            ("receiverPort", Value::Null),
            ("dataDir", json!("  ")),
            ("theme", Value::Null),
        ]));
        assert_eq!(prefs, Preferences::default(), "null and blank read as the default");
        assert!(warnings.is_empty(), "an unset value is not a mistake: {warnings:?}");
    }

    #[test]
    fn port_zero_is_a_valid_preference_meaning_any_free_port() {
        let (prefs, warnings) = Preferences::read(settings(&[("receiverPort", json!(0))]));
        assert_eq!(prefs.receiver_port, 0);
        assert!(warnings.is_empty());
    }

    #[test]
    fn placement_uses_loopback_preferred_ports_and_the_app_data_dir_by_default() {
        let placement =
            Placement::resolve(&Preferences::default(), &Overrides::default(), Path::new("/home/a/.local/share/x"))
                .expect("defaults always resolve");
        assert_eq!(placement.receiver_addr, "127.0.0.1:9000".parse().expect("literal address"));
        assert_eq!(placement.api_addr, "127.0.0.1:9001".parse().expect("literal address"));
        assert_eq!(placement.data_dir, PathBuf::from("/home/a/.local/share/x"));
    }

    #[test]
    fn environment_overrides_win_over_preferences() {
        let overrides = Overrides::read(env(&[
            ("HOOKBENCH_RECEIVER_ADDR", "127.0.0.1:0"),
            ("HOOKBENCH_API_ADDR", "127.0.0.1:45001"),
            ("HOOKBENCH_DATA_DIR", "/tmp/hb-test"),
        ]))
        .expect("valid overrides parse");
        let prefs = Preferences { data_dir: Some(PathBuf::from("/srv/hooks")), ..Preferences::default() };
        let placement = Placement::resolve(&prefs, &overrides, Path::new("/app-data")).expect("absolute dirs resolve");
        assert_eq!(placement.receiver_addr.port(), 0, "the receiver override asks for a free port");
        assert_eq!(placement.api_addr.port(), 45001, "the API override wins over apiPort");
        assert_eq!(placement.data_dir, PathBuf::from("/tmp/hb-test"), "HOOKBENCH_DATA_DIR wins over dataDir");
    }

    #[test]
    fn a_data_dir_preference_wins_over_the_app_data_dir() {
        let prefs = Preferences { data_dir: Some(PathBuf::from("/srv/hooks")), ..Preferences::default() };
        let placement =
            Placement::resolve(&prefs, &Overrides::default(), Path::new("/app-data")).expect("absolute dirs resolve");
        assert_eq!(placement.data_dir, PathBuf::from("/srv/hooks"));
    }

    #[test]
    fn an_unparseable_address_override_is_an_error_naming_the_variable() {
        let err = Overrides::read(env(&[("HOOKBENCH_API_ADDR", "localhost:nine")]))
            .expect_err("a bad address must not be ignored");
        let message = format!("{err:#}");
        assert!(message.contains("HOOKBENCH_API_ADDR"), "the error names the variable: {message}");
    }

    #[test]
    fn blank_overrides_are_ignored() {
        let overrides = Overrides::read(env(&[("HOOKBENCH_RECEIVER_ADDR", ""), ("HOOKBENCH_DATA_DIR", " ")]))
            .expect("blank values are unset");
        assert_eq!(overrides, Overrides::default());
    }

    #[test]
    fn a_relative_data_dir_is_refused() {
        let prefs = Preferences { data_dir: Some(PathBuf::from("hooks")), ..Preferences::default() };
        let err = Placement::resolve(&prefs, &Overrides::default(), Path::new("/app-data"))
            .expect_err("a relative folder would depend on the launch directory");
        assert!(format!("{err}").contains("relative"), "the reason says why: {err}");
    }
}
