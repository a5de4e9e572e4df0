//! cURL export: a bash command per record, byte for byte the UI's "Copy as cURL"
//! (`ui/src/features/inbox/curl.ts`). Strings are quoted for bash; anything outside printable
//! ASCII is written as `\xHH` inside `$'…'`, so binary bytes and newlines survive a paste. A body
//! with a NUL byte (a bash argument cannot hold one) or a leading `@` (curl would read a file) is
//! piped in with `printf '%b'`. Keep the two in step: a change here is a change there.

use crate::capture::Header;

use super::{CREATOR, ExchangeRecord, Redaction, VERSION};

/// Headers curl computes itself; sending them again would duplicate or contradict curl's.
const DROPPED: [&str; 4] = ["content-length", "host", "transfer-encoding", "connection"];

fn printable(b: u8) -> bool {
    (0x20..=0x7e).contains(&b)
}

/// One bash word holding exactly `bytes` (which must not contain NUL: bash cannot pass one).
pub fn bash_quote(bytes: &[u8]) -> String {
    if bytes.iter().all(|&b| printable(b) && b != b'\'') {
        // Printable ASCII only, so every byte is one char.
        return format!("'{}'", bytes.iter().map(|&b| b as char).collect::<String>());
    }
    let mut out = String::from("$'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b if printable(b) => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// A single-quoted `printf '%b'` argument that prints exactly `bytes`, NUL included.
pub fn printf_argument(bytes: &[u8]) -> String {
    let mut out = String::from("'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\x27"),
            b if printable(b) => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// The curl command that sends `record`'s request again (no redaction: see [`write_curl_script`]).
pub fn curl_command(record: &ExchangeRecord) -> String {
    let has = |name: &str| record.headers.iter().any(|h| h.name.eq_ignore_ascii_case(name));
    // An empty body that still came with a Content-Length (e.g. POST with `Content-Length: 0`) is
    // sent as an empty --data-binary so curl writes the same header.
    let send_body = !record.body.is_empty() || has("content-length");

    let mut parts: Vec<String> = vec!["curl".into(), "--http1.1".into(), "--globoff".into(), "--path-as-is".into()];
    if record.method.eq_ignore_ascii_case("HEAD") {
        parts.push("--head".into());
    } else {
        parts.push(format!("-X {}", bash_quote(record.method.as_bytes())));
    }
    parts.push(bash_quote(record.url.as_bytes()));
    for h in &record.headers {
        if DROPPED.iter().any(|d| h.name.eq_ignore_ascii_case(d)) {
            continue;
        }
        parts.push(format!("-H {}", bash_quote(&header_line(h))));
    }
    // Headers curl adds on its own unless told not to.
    if !has("user-agent") {
        parts.push("-H 'User-Agent:'".into());
    }
    if !has("accept") {
        parts.push("-H 'Accept:'".into());
    }
    if send_body && !has("content-type") {
        parts.push("-H 'Content-Type:'".into());
    }
    if record.body.len() > 1024 && !has("expect") {
        parts.push("-H 'Expect:'".into());
    }

    let mut prefix = String::new();
    if send_body {
        if record.body.contains(&0) || record.body.first() == Some(&b'@') {
            prefix = format!("printf '%b' {} | ", printf_argument(&record.body));
            parts.push("--data-binary @-".into());
        } else if record.body.is_empty() {
            parts.push("--data-binary ''".into());
        } else {
            parts.push(format!("--data-binary {}", bash_quote(&record.body)));
        }
    }
    prefix + &parts.join(" \\\n  ")
}

/// `Name: value`, or `Name;`, curl's way to send a header with an empty value (`Name:` would remove it).
fn header_line(h: &Header) -> Vec<u8> {
    if h.value.is_empty() {
        return format!("{};", h.name).into_bytes();
    }
    let mut line = format!("{}: ", h.name).into_bytes();
    line.extend_from_slice(&h.value);
    line
}

/// A bash script with one curl command per record, each after a comment saying what it was.
pub fn write_curl_script(records: &[ExchangeRecord], redaction: &Redaction) -> Vec<u8> {
    let mut out = format!(
        "#!/usr/bin/env bash\n# {} requests exported by {CREATOR} {VERSION}{}.\n",
        records.len(),
        if redaction.is_none() { "" } else { " (secret headers redacted)" }
    );
    for record in records {
        let record = redaction.apply(record);
        let mut what = String::new();
        if let Some(id) = &record.id {
            what.push_str(id);
            what.push_str(" · ");
        }
        what.push_str(&format!("{} {}", record.method, record.url));
        what.push_str(&format!(" · {}", crate::clock::format_rfc3339(record.started_at)));
        out.push_str(&format!("\n# {}\n", comment_safe(&what)));
        out.push_str(&curl_command(&record));
        out.push('\n');
    }
    out.into_bytes()
}

/// Text that stays on one comment line: control characters (a newline would end the comment and
/// turn attacker-chosen bytes into a command) become `?`.
fn comment_safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_stays_in_single_quotes() {
        assert_eq!(bash_quote(b"a b/c?d=1"), "'a b/c?d=1'");
        assert_eq!(bash_quote(b""), "''", "an empty word is still a word");
    }

    #[test]
    fn quotes_backslashes_and_bytes_switch_to_ansi_c_quoting() {
        assert_eq!(bash_quote(b"it's"), r"$'it\'s'");
        assert_eq!(bash_quote(b"a\\b\n\tc"), r"$'a\\b\x0a\x09c'");
        assert_eq!(bash_quote(&[0xff, b'A']), r"$'\xffA'");
        assert_eq!(bash_quote(b"a\\b"), "'a\\b'", "a lone backslash is literal inside single quotes");
    }

    #[test]
    fn printf_arguments_escape_quotes_as_hex_and_keep_nul() {
        assert_eq!(printf_argument(&[0, 1, b'\'', b'\\']), r"'\x00\x01\x27\\'");
        assert_eq!(printf_argument(b"@/etc/passwd"), "'@/etc/passwd'");
    }

    #[test]
    fn comments_cannot_be_broken_out_of() {
        assert_eq!(comment_safe("POST /a\nrm -rf ~\r"), "POST /a?rm -rf ~?");
    }
}
