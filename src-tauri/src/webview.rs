//! The main window: the UI with the engine's connection injected, or a page saying why the engine didn't start.

use base64::Engine as _;
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

use crate::preferences::Theme;

/// The label the capability in `capabilities/main.json` grants permissions to.
pub const MAIN_WINDOW: &str = "main";
const TITLE: &str = "Hookbench";

/// What the UI's `src/platform/` reads from `window.__HOOKBENCH__`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub api_url: String,
    pub token: String,
    pub receiver_url: String,
    pub desktop: bool,
    /// A preferred port was taken and the engine listens on a free one instead.
    pub port_fallback: bool,
}

/// A script that defines `window.__HOOKBENCH__` before any page script runs.
///
/// The values go through `serde_json`, never string formatting, so a quote in a token or URL can't end
/// the literal. `<` and the JS-hostile line separators are escaped too: JSON allows them raw, and
/// don't rely on every consumer of the script treating them as plain string characters.
pub fn initialization_script(connection: &Connection) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(connection)?;
    let json = json.replace('<', "\\u003c").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029");
    Ok(format!("window.__HOOKBENCH__ = Object.freeze({json});"))
}

/// Opens the UI bundle with the connection injected.
pub fn open_app<R: Runtime>(
    app: &AppHandle<R>,
    connection: &Connection,
    theme: Theme,
) -> anyhow::Result<WebviewWindow<R>> {
    let script = initialization_script(connection)?;
    let window = builder(app, WebviewUrl::App("index.html".into()), theme).initialization_script(script).build()?;
    Ok(window)
}

/// Opens a self-contained page with the reason the engine didn't start, so the user sees it instead of
/// a UI that can't reach anything. A `data:` URL keeps it free of the UI bundle and of IPC.
pub fn open_error<R: Runtime>(app: &AppHandle<R>, reason: &str, theme: Theme) -> anyhow::Result<WebviewWindow<R>> {
    let html = error_page(reason);
    let encoded = base64::engine::general_purpose::STANDARD.encode(html);
    let url = format!("data:text/html;charset=utf-8;base64,{encoded}").parse()?;
    Ok(builder(app, WebviewUrl::External(url), theme).build()?)
}

/// Shows the main window over others; a second launch of the app ends up here.
pub fn bring_to_front<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    for (what, result) in [("unminimize", window.unminimize()), ("show", window.show()), ("focus", window.set_focus())]
    {
        if let Err(err) = result {
            tracing::warn!(error = %err, "could not {what} the main window");
        }
    }
}

fn builder<R: Runtime>(app: &AppHandle<R>, url: WebviewUrl, theme: Theme) -> WebviewWindowBuilder<'_, R, AppHandle<R>> {
    WebviewWindowBuilder::new(app, MAIN_WINDOW, url)
        .title(TITLE)
        .inner_size(1280.0, 800.0)
        .min_inner_size(720.0, 480.0)
        .theme(theme.window_theme())
}

/// The error page's HTML; `reason` is escaped, because it carries paths and OS messages.
pub fn error_page(reason: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hookbench could not start</title>
<style>
  :root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
  body {{ margin: 0; min-height: 100vh; display: grid; place-items: center; }}
  main {{ max-width: 40rem; padding: 2rem; }}
  h1 {{ font-size: 1.4rem; margin: 0 0 1rem; }}
  pre {{ white-space: pre-wrap; padding: 1rem; border-radius: 6px; background: rgba(127,127,127,.15); }}
</style></head>
<body><main data-testid="start-error">
<h1>Hookbench could not start its engine</h1>
<pre data-testid="start-error-reason">{}</pre>
<p>Check the data folder and ports in Preferences (<code>settings.json</code> in the app data folder), then start Hookbench again.</p>
</main></body></html>
"#,
        escape_html(reason)
    )
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn connection(token: &str) -> Connection {
        Connection {
            api_url: "http://127.0.0.1:9001".into(),
            token: token.into(),
            receiver_url: "http://127.0.0.1:9000".into(),
            desktop: true,
            port_fallback: false,
        }
    }

    /// The JSON object literal between `Object.freeze(` and `);`.
    fn injected_object(script: &str) -> &str {
        let start = script.find("Object.freeze(").expect("the script freezes the object") + "Object.freeze(".len();
        let end = script.rfind(");").expect("the script ends the call");
        &script[start..end]
    }

    #[test]
    fn the_script_defines_the_connection_with_the_ui_s_field_names() {
        let script = initialization_script(&connection("abc123")).expect("a plain struct serializes");
        assert!(script.starts_with("window.__HOOKBENCH__ = "), "it assigns the global the UI reads: {script}");
        let value: Value = serde_json::from_str(injected_object(&script)).expect("the object is valid JSON");
        assert_eq!(value["apiUrl"], "http://127.0.0.1:9001");
        assert_eq!(value["token"], "abc123");
        assert_eq!(value["receiverUrl"], "http://127.0.0.1:9000");
        assert_eq!(value["desktop"], true);
        assert_eq!(value["portFallback"], false, "the fallback flag is camelCase like the rest");
    }

    #[test]
    fn hostile_values_cannot_break_out_of_the_script() {
        let hostile = "\"});alert(1);({\"</script><script>alert(2)</script>\u{2028}\u{2029}\\";
        let script = initialization_script(&connection(hostile)).expect("any string serializes");
        assert!(!script.contains("</script>"), "no raw closing tag survives: {script}");
        assert!(!script.contains('\u{2028}') && !script.contains('\u{2029}'), "line separators are escaped");
        let value: Value = serde_json::from_str(injected_object(&script)).expect("escaped JSON still parses");
        assert_eq!(value["token"], hostile, "the value round-trips exactly");
    }

    #[test]
    fn the_error_page_shows_the_reason_escaped() {
        let page = error_page("port <9001> & \"data\" in /tmp/o'neil");
        assert!(
            page.contains("port &lt;9001&gt; &amp; &quot;data&quot; in /tmp/o&#39;neil"),
            "markup in the reason is shown, not interpreted: {page}"
        );
        assert!(!page.contains("<9001>"), "no raw markup from the reason");
    }
}
