//! The tray icon: the receiver's state at a glance (listening / faulted / off) as the icon, the tooltip
//! and the menu's first line, with the quick toggles people reach for without opening the window.
//!
//! It follows the engine's live bus (`endpoints.changed`, which every fault plan change publishes) and
//! wakes by itself when a plan's window starts or ends. Linux shows no tray tooltips (appindicator), so
//! the menu's first line carries the same text there.
//!
//! Test hook: with `HOOKBENCH_TRAY_LOG=<file>` ([`TRAY_LOG_VAR`]) every state the tray is set to is
//! appended to the file as one JSON line `{"state": "faulted", "faults": 1, "tooltip": …}`, because a
//! WebDriver session can't see the panel.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use hookbench_domain::Timestamp;
use hookbench_domain::endpoint::{DEFAULT_ENDPOINT_ID, Endpoint};
use hookbench_domain::fault::{FaultKind, FaultPlan, next_change};
use hookbench_engine::{ActiveFault, Engine, EngineError, LiveEvent};
use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tokio::sync::broadcast::error::RecvError;

use crate::webview;

/// Test hook: a file each tray state is appended to, one JSON line each.
pub const TRAY_LOG_VAR: &str = "HOOKBENCH_TRAY_LOG";
const TRAY_ID: &str = "main";
/// The preset "Pause receiver" switches on: the listener refuses connections until resumed.
const PAUSE_PRESET: &str = "down";
/// The longest the tray sleeps without a bus event, in case a plan's window is further off than this.
const LONGEST_SLEEP: Duration = Duration::from_secs(3600);

const ICON_LISTENING: &[u8] = include_bytes!("../icons/tray/listening.png");
const ICON_FAULTED: &[u8] = include_bytes!("../icons/tray/faulted.png");
const ICON_OFF: &[u8] = include_bytes!("../icons/tray/off.png");

mod item {
    pub const STATUS: &str = "status";
    pub const SHOW: &str = "show";
    pub const COPY_URL: &str = "copy-url";
    pub const HEAL: &str = "heal";
    pub const PAUSE: &str = "pause";
    pub const QUIT: &str = "quit";
}

/// The receiver as the tray shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    Listening,
    /// Some fault plans are live (`faults` of them); the listener still accepts.
    Faulted {
        faults: usize,
    },
    /// A `receiver_off` plan is live: connections are refused. `faults` counts every live plan, it included.
    Off {
        faults: usize,
    },
}

impl Receiver {
    /// The state from what the engine reports: whether the listener must be off, and the live plans.
    pub fn from_engine(listener_off: bool, active: &[ActiveFault]) -> Receiver {
        let faults = active.len();
        match (listener_off, faults) {
            (true, _) => Receiver::Off { faults: faults.max(1) },
            (false, 0) => Receiver::Listening,
            (false, faults) => Receiver::Faulted { faults },
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Receiver::Listening => "listening",
            Receiver::Faulted { .. } => "faulted",
            Receiver::Off { .. } => "off",
        }
    }

    pub fn faults(self) -> usize {
        match self {
            Receiver::Listening => 0,
            Receiver::Faulted { faults } | Receiver::Off { faults } => faults,
        }
    }

    /// "Hookbench — listening on 127.0.0.1:9000", "…, 2 faults live", "Hookbench — receiver paused: …".
    pub fn tooltip(self, addr: SocketAddr) -> String {
        let live = |n: usize| if n == 1 { "1 fault live".to_owned() } else { format!("{n} faults live") };
        match self {
            Receiver::Listening => format!("Hookbench — listening on {addr}"),
            Receiver::Faulted { faults } => format!("Hookbench — listening on {addr}, {}", live(faults)),
            Receiver::Off { faults: 1 } => format!("Hookbench — receiver off: {addr} refuses connections"),
            Receiver::Off { faults } => {
                format!("Hookbench — receiver off: {addr} refuses connections, {}", live(faults))
            }
        }
    }

    /// The label of the pause toggle in this state.
    pub fn toggle_label(self) -> &'static str {
        match self {
            Receiver::Off { .. } => "Resume receiver",
            _ => "Pause receiver",
        }
    }

    fn icon(self) -> &'static [u8] {
        match self {
            Receiver::Listening => ICON_LISTENING,
            Receiver::Faulted { .. } => ICON_FAULTED,
            Receiver::Off { .. } => ICON_OFF,
        }
    }
}

/// Switches the receiver off until resumed: the `down` preset on the default endpoint (the listener
/// refuses connections for every endpoint while any live plan says so).
pub async fn pause(engine: &Engine) -> Result<(), EngineError> {
    engine.apply_preset(DEFAULT_ENDPOINT_ID, PAUSE_PRESET).await?;
    Ok(())
}

/// Switches the receiver back on: removes every live `receiver_off` plan, on whichever endpoint, and
/// leaves the other plans as they are. Returns how many were removed.
pub async fn resume(engine: &Engine) -> Result<usize, EngineError> {
    let now = engine.now_ms();
    let mut removed = 0;
    for endpoint in engine.list_endpoints().await? {
        let (off, rest): (Vec<FaultPlan>, Vec<FaultPlan>) =
            endpoint.settings.faults.into_iter().partition(|plan| refuses(plan, now));
        if !off.is_empty() {
            removed += off.len();
            engine.set_faults(endpoint.id, rest).await?;
        }
    }
    Ok(removed)
}

fn refuses(plan: &FaultPlan, now: Timestamp) -> bool {
    plan.is_live(now) && matches!(plan.fault, FaultKind::ReceiverOff { .. })
}

/// When some plan next starts or stops applying by itself, across endpoints.
pub fn next_wake(endpoints: &[Endpoint], now: Timestamp) -> Option<Timestamp> {
    endpoints.iter().filter_map(|e| next_change(&e.settings.faults, now)).min()
}

/// The tray and the menu items that change with the state.
struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    status: MenuItem<R>,
    heal: MenuItem<R>,
    toggle: MenuItem<R>,
    addr: SocketAddr,
    log: Option<PathBuf>,
}

impl<R: Runtime> Tray<R> {
    fn show(&self, state: Receiver) {
        let tooltip = state.tooltip(self.addr);
        let results = [
            ("icon", Image::from_bytes(state.icon()).and_then(|image| self.icon.set_icon(Some(image)))),
            ("tooltip", self.icon.set_tooltip(Some(&tooltip))),
            ("status line", self.status.set_text(&tooltip)),
            ("pause toggle", self.toggle.set_text(state.toggle_label())),
            ("heal item", self.heal.set_enabled(state.faults() > 0)),
        ];
        let mut failed = false;
        for (what, result) in results {
            if let Err(err) = result {
                failed = true;
                tracing::warn!(error = %err, "could not update the tray's {what}");
            }
        }
        if let Some(path) = &self.log
            && !failed
        {
            let line = serde_json::json!({ "state": state.name(), "faults": state.faults(), "tooltip": tooltip });
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| writeln!(file, "{line}"));
            if let Err(err) = written {
                tracing::warn!(error = %err, path = %path.display(), "could not append to {TRAY_LOG_VAR}");
            }
        }
    }
}

/// Puts the tray icon up for this engine and keeps it in step with the receiver until the engine goes.
pub fn install<R: Runtime>(
    app: &AppHandle<R>,
    engine: &Arc<Engine>,
    receiver_addr: SocketAddr,
    receiver_url: String,
    log: Option<PathBuf>,
) -> tauri::Result<()> {
    let state = Receiver::from_engine(engine.listener_off().is_some(), &engine.active_faults());
    let tooltip = state.tooltip(receiver_addr);
    let status = MenuItem::with_id(app, item::STATUS, &tooltip, false, None::<&str>)?;
    let show = MenuItem::with_id(app, item::SHOW, "Show window", true, None::<&str>)?;
    let copy = MenuItem::with_id(app, item::COPY_URL, "Copy receiver URL", true, None::<&str>)?;
    let heal = MenuItem::with_id(app, item::HEAL, "Heal all faults", state.faults() > 0, None::<&str>)?;
    let toggle = MenuItem::with_id(app, item::PAUSE, state.toggle_label(), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, item::QUIT, "Quit Hookbench", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &show,
            &copy,
            &PredefinedMenuItem::separator(app)?,
            &heal,
            &toggle,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let weak = Arc::downgrade(engine);
    let icon = TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(state.icon())?)
        .tooltip(&tooltip)
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |app, event| on_menu(app, &event, &weak, &receiver_url))
        .build(app)?;
    let tray = Tray { icon, status, heal, toggle, addr: receiver_addr, log };
    tray.show(state);
    tauri::async_runtime::spawn(follow(tray, state, Arc::downgrade(engine)));
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, event: &MenuEvent, engine: &Weak<Engine>, receiver_url: &str) {
    match event.id().as_ref() {
        item::SHOW => webview::bring_to_front(app),
        item::COPY_URL => {
            if let Err(err) = app.clipboard().write_text(receiver_url) {
                tracing::warn!(error = %err, "could not copy the receiver URL");
            }
        }
        item::HEAL => run(engine, "heal all faults", |engine| async move {
            let healed = engine.clear_faults(None).await?;
            tracing::info!(healed, "healed every fault from the tray");
            Ok(())
        }),
        item::PAUSE => run(engine, "pause or resume the receiver", |engine| async move {
            if engine.listener_off().is_some() {
                let removed = resume(&engine).await?;
                tracing::info!(removed, "receiver resumed from the tray");
            } else {
                pause(&engine).await?;
                tracing::info!("receiver paused from the tray");
            }
            Ok(())
        }),
        item::QUIT => app.exit(0),
        _ => {}
    }
}

/// Runs an engine action off the main thread; a failure is logged (the tray then shows the state as it is).
fn run<F, Fut>(engine: &Weak<Engine>, what: &'static str, action: F)
where
    F: FnOnce(Arc<Engine>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), EngineError>> + Send,
{
    let Some(engine) = engine.upgrade() else { return };
    tauri::async_runtime::spawn(async move {
        if let Err(err) = action(engine).await {
            tracing::warn!(error = %err, "could not {what} from the tray");
        }
    });
}

/// Refreshes the tray on each endpoint change, after a lag, and when a plan's window starts or ends.
async fn follow<R: Runtime>(tray: Tray<R>, mut shown: Receiver, engine: Weak<Engine>) {
    let Some(mut bus) = engine.upgrade().map(|e| e.subscribe()) else { return };
    loop {
        let Some(strong) = engine.upgrade() else { return };
        let state = Receiver::from_engine(strong.listener_off().is_some(), &strong.active_faults());
        if state != shown {
            tray.show(state);
            shown = state;
        }
        let now = strong.now_ms();
        let sleep = match strong.list_endpoints().await {
            Ok(endpoints) => next_wake(&endpoints, now)
                .map(|at| Duration::from_millis(u64::try_from(at.saturating_sub(now)).unwrap_or(0)))
                .unwrap_or(LONGEST_SLEEP)
                .min(LONGEST_SLEEP),
            Err(err) => {
                tracing::warn!(error = %err, "could not read the endpoints for the tray");
                LONGEST_SLEEP
            }
        };
        drop(strong);
        let deadline = tokio::time::Instant::now() + sleep;
        // Wait for something that can change the state; other bus traffic is skipped here.
        loop {
            tokio::select! {
                message = bus.recv() => match message {
                    Ok(message) if matches!(message.event, LiveEvent::EndpointsChanged {}) => break,
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return,
                },
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbench_domain::fault::ActivePlan;

    fn live(kind: &str) -> ActiveFault {
        ActiveFault {
            endpoint_id: DEFAULT_ENDPOINT_ID,
            endpoint_name: "default".into(),
            path_prefix: String::new(),
            plan: ActivePlan {
                id: kind.into(),
                name: kind.into(),
                kind: kind.into(),
                summary: kind.into(),
                remaining_ms: None,
            },
        }
    }

    fn addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 9000))
    }

    #[test]
    fn no_live_plan_is_listening() {
        let state = Receiver::from_engine(false, &[]);
        assert_eq!(state, Receiver::Listening);
        assert_eq!(state.tooltip(addr()), "Hookbench — listening on 127.0.0.1:9000");
        assert_eq!(state.toggle_label(), "Pause receiver");
        assert_eq!(state.faults(), 0, "nothing to heal");
        assert_eq!(state.icon(), ICON_LISTENING);
    }

    #[test]
    fn live_plans_that_still_accept_are_faulted_with_their_count() {
        let one = Receiver::from_engine(false, &[live("status")]);
        assert_eq!(one, Receiver::Faulted { faults: 1 });
        assert_eq!(one.tooltip(addr()), "Hookbench — listening on 127.0.0.1:9000, 1 fault live");
        let two = Receiver::from_engine(false, &[live("status"), live("latency")]);
        assert_eq!(two.tooltip(addr()), "Hookbench — listening on 127.0.0.1:9000, 2 faults live");
        assert_eq!(two.toggle_label(), "Pause receiver");
        assert_eq!(two.icon(), ICON_FAULTED);
    }

    #[test]
    fn a_refusing_listener_is_off_whatever_else_is_live() {
        let off = Receiver::from_engine(true, &[live("receiver_off")]);
        assert_eq!(off, Receiver::Off { faults: 1 });
        assert_eq!(off.tooltip(addr()), "Hookbench — receiver off: 127.0.0.1:9000 refuses connections");
        assert_eq!(off.toggle_label(), "Resume receiver");
        assert_eq!(off.icon(), ICON_OFF);
        let more = Receiver::from_engine(true, &[live("receiver_off"), live("status")]);
        assert_eq!(more.tooltip(addr()), "Hookbench — receiver off: 127.0.0.1:9000 refuses connections, 2 faults live");
        assert_eq!(more.faults(), 2, "heal stays on while anything is live");
    }

    #[test]
    fn the_three_icons_are_distinct_small_pngs() {
        for icon in [ICON_LISTENING, ICON_FAULTED, ICON_OFF] {
            assert!(icon.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
            assert!(icon.len() < 4096, "tiny: {} bytes", icon.len());
            let image = Image::from_bytes(icon).expect("decodes");
            assert_eq!((image.width(), image.height()), (32, 32));
        }
        assert_ne!(ICON_LISTENING, ICON_FAULTED);
        assert_ne!(ICON_FAULTED, ICON_OFF);
    }

    fn start_engine(dir: &std::path::Path) -> (tokio::runtime::Runtime, hookbench_http::Running) {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        let mut config = hookbench_http::ServeConfig::new(dir.to_path_buf());
        config.receiver_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.api_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.ui_dir = None;
        let running = runtime.block_on(hookbench_http::start(config)).expect("the engine starts");
        (runtime, running)
    }

    #[test]
    fn pause_turns_the_listener_off_and_resume_on_keeping_other_plans() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (runtime, running) = start_engine(dir.path());
        let engine = running.engine().clone();
        runtime.block_on(async {
            engine.apply_preset(DEFAULT_ENDPOINT_ID, "slow-5s").await.expect("a preset applies");
            assert_eq!(
                Receiver::from_engine(engine.listener_off().is_some(), &engine.active_faults()),
                Receiver::Faulted { faults: 1 }
            );

            pause(&engine).await.expect("pause");
            assert!(engine.listener_off().is_some(), "the listener must refuse connections");
            assert_eq!(
                Receiver::from_engine(engine.listener_off().is_some(), &engine.active_faults()),
                Receiver::Off { faults: 2 }
            );

            assert_eq!(resume(&engine).await.expect("resume"), 1, "only the receiver_off plan goes");
            assert!(engine.listener_off().is_none(), "the listener accepts again");
            let kinds: Vec<String> = engine.active_faults().into_iter().map(|f| f.plan.kind).collect();
            assert_eq!(kinds, ["latency"], "the slow plan is still live");
            assert_eq!(resume(&engine).await.expect("resume again"), 0, "nothing left to resume");
            running.shutdown().await;
        });
    }

    #[test]
    fn the_tray_wakes_when_a_plan_s_window_ends() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (runtime, running) = start_engine(dir.path());
        let engine = running.engine().clone();
        runtime.block_on(async {
            let endpoints = engine.list_endpoints().await.expect("endpoints");
            assert_eq!(next_wake(&endpoints, engine.now_ms()), None, "no plan, nothing to wake for");
            engine.apply_preset(DEFAULT_ENDPOINT_ID, "503-2m").await.expect("a preset applies");
            let now = engine.now_ms();
            let endpoints = engine.list_endpoints().await.expect("endpoints");
            let wake = next_wake(&endpoints, now).expect("the outage ends by itself");
            assert!((now..=now + 120_000).contains(&wake), "within the 2 minutes: {}", wake - now);
            running.shutdown().await;
        });
    }
}
