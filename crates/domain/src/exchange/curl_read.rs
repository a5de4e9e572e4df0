//! cURL import: one or many pasted `curl` commands (browser "Copy as cURL (bash)", provider docs,
//! our own scripts) into requests, without running a shell or reading a file.
//!
//! The shell part understands what such commands use: words, `'…'`, `"…"` (`$VAR` stays literal:
//! nothing is expanded), `$'…'` with its escapes, `\` line continuations, comments, `;`, `&&`,
//! `||` and new lines between commands, and `printf '%b' '…' | curl … @-` as our scripts write it.
//! The curl part follows curl's own rules: the method (GET; POST with data; HEAD with `-I`; `-X`
//! wins), `-d` pieces joined with `&`, `--data-urlencode` forms, `--json`, `-G`, `-u`. The headers
//! are the ones the command sends itself plus those curl adds that describe the body (`Content-Type`
//! for data, `Accept` for `--json`, `Authorization` for `-u`), not `Host`, `User-Agent`, `Accept: */*`
//! or `Content-Length`, which whoever replays the request sets. `-H 'Name:'` removes one of those.
//! A file reference (`-d @body.json`) cannot be read here and is an error naming it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::capture::Header;

use super::redact::percent_encode;
use super::{ExchangeRecord, ImportError, ImportErrorKind, ImportLimits};

/// Every request in `input`: one per `curl` command. Lines of `set …` and `#` comments are skipped.
pub fn read_curl(input: &[u8], limits: &ImportLimits) -> Result<Vec<ExchangeRecord>, ImportError> {
    if input.len() > limits.max_input_bytes {
        return Err(ImportError::new(
            ImportErrorKind::TooLarge,
            format!("the input is {} bytes; at most {} can be imported", input.len(), limits.max_input_bytes),
        ));
    }
    let commands = split_commands(input)?;
    let mut records = Vec::new();
    for (index, command) in commands.iter().enumerate() {
        let at = format!("command {} (line {})", index + 1, command.line);
        let Some(record) = command_record(command, &at, limits)? else { continue };
        if records.len() == limits.max_records {
            return Err(ImportError::new(
                ImportErrorKind::TooLarge,
                format!("{at}: more than {} curl commands; import them in parts", limits.max_records),
            ));
        }
        records.push(record);
    }
    if records.is_empty() {
        return Err(ImportError::new(ImportErrorKind::Malformed, "no curl command found"));
    }
    Ok(records)
}

fn err(kind: ImportErrorKind, at: &str, message: impl std::fmt::Display) -> ImportError {
    ImportError::new(kind, format!("{at}: {message}"))
}

fn text(word: &[u8]) -> String {
    String::from_utf8_lossy(word).into_owned()
}

// ---------------------------------------------------------------------------------------------
// The shell: words, quoting, pipelines, command separators.

/// One command line: its pipeline stages, each a list of words.
#[derive(Debug, Default)]
struct Command {
    line: usize,
    stages: Vec<Vec<Vec<u8>>>,
}

/// Splits the input into commands. Quoting is undone; nothing is expanded.
fn split_commands(input: &[u8]) -> Result<Vec<Command>, ImportError> {
    let mut lexer = Lexer { input, pos: 0, line: 1, commands: Vec::new(), current: Command::default(), word: None };
    lexer.run()?;
    Ok(lexer.commands)
}

struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    line: usize,
    commands: Vec<Command>,
    current: Command,
    /// The word being read; `Some` once anything (even `''`) started it.
    word: Option<Vec<u8>>,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.input.get(self.pos + ahead).copied()
    }

    fn at(&self) -> String {
        format!("line {}", self.line)
    }

    fn word(&mut self) -> &mut Vec<u8> {
        self.word.get_or_insert_with(Vec::new)
    }

    fn end_word(&mut self) {
        if let Some(word) = self.word.take() {
            if self.current.stages.is_empty() {
                self.current.line = self.line;
                self.current.stages.push(Vec::new());
            }
            if let Some(stage) = self.current.stages.last_mut() {
                stage.push(word);
            }
        }
    }

    fn end_stage(&mut self) -> Result<(), ImportError> {
        self.end_word();
        match self.current.stages.last() {
            Some(stage) if !stage.is_empty() => {
                self.current.stages.push(Vec::new());
                Ok(())
            }
            _ => Err(err(ImportErrorKind::Malformed, &self.at(), "a '|' with no command before it")),
        }
    }

    fn end_command(&mut self) -> Result<(), ImportError> {
        self.end_word();
        if self.current.stages.last().is_some_and(Vec::is_empty) {
            return Err(err(ImportErrorKind::Malformed, &self.at(), "a '|' with no command after it"));
        }
        if !self.current.stages.is_empty() {
            self.commands.push(std::mem::take(&mut self.current));
        }
        Ok(())
    }

    /// A backslash-newline (or backslash-CRLF) at `pos`: a line continuation.
    fn continuation(&self) -> Option<usize> {
        match (self.peek(0), self.peek(1), self.peek(2)) {
            (Some(b'\\'), Some(b'\n'), _) => Some(2),
            (Some(b'\\'), Some(b'\r'), Some(b'\n')) => Some(3),
            _ => None,
        }
    }

    fn run(&mut self) -> Result<(), ImportError> {
        while let Some(b) = self.peek(0) {
            if let Some(skip) = self.continuation() {
                self.pos += skip;
                self.line += 1;
                continue;
            }
            match b {
                b' ' | b'\t' | b'\r' => {
                    self.end_word();
                    self.pos += 1;
                }
                b'\n' => {
                    self.end_command()?;
                    self.pos += 1;
                    self.line += 1;
                }
                b'#' if self.word.is_none() => {
                    while self.peek(0).is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                b'\'' => self.single_quoted()?,
                b'"' => self.double_quoted()?,
                b'$' if self.peek(1) == Some(b'\'') => self.ansi_c_quoted()?,
                b'$' if self.peek(1) == Some(b'"') => {
                    self.pos += 1;
                    self.double_quoted()?;
                }
                b'\\' => {
                    // Outside quotes a backslash makes the next byte literal.
                    self.pos += 1;
                    match self.peek(0) {
                        Some(c) => {
                            self.word().push(c);
                            self.pos += 1;
                        }
                        None => {
                            self.word();
                        }
                    }
                }
                b';' => {
                    self.end_command()?;
                    self.pos += 1;
                }
                b'&' if self.peek(1) == Some(b'&') => {
                    self.end_command()?;
                    self.pos += 2;
                }
                b'|' if self.peek(1) == Some(b'|') => {
                    self.end_command()?;
                    self.pos += 2;
                }
                b'|' => {
                    self.end_stage()?;
                    self.pos += 1;
                }
                b'&' | b'<' | b'>' | b'(' | b')' | b'`' => {
                    return Err(err(
                        ImportErrorKind::Unsupported,
                        &self.at(),
                        format!("the shell syntax '{}' is not supported: paste the curl command alone", char::from(b)),
                    ));
                }
                _ => {
                    self.word().push(b);
                    self.pos += 1;
                }
            }
        }
        self.end_command()
    }

    fn unterminated(&self, what: &str, start_line: usize) -> ImportError {
        err(ImportErrorKind::Malformed, &format!("line {start_line}"), format!("{what} is never closed"))
    }

    fn single_quoted(&mut self) -> Result<(), ImportError> {
        let start = self.line;
        self.pos += 1;
        self.word();
        loop {
            match self.peek(0) {
                None => return Err(self.unterminated("a single quote (')", start)),
                Some(b'\'') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(c) => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    self.word().push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn double_quoted(&mut self) -> Result<(), ImportError> {
        let start = self.line;
        self.pos += 1;
        self.word();
        loop {
            match self.peek(0) {
                None => return Err(self.unterminated("a double quote (\")", start)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    if let Some(skip) = self.continuation() {
                        self.pos += skip;
                        self.line += 1;
                        continue;
                    }
                    // Inside double quotes a backslash only escapes $ ` " \ (and the newline).
                    match self.peek(1) {
                        Some(c @ (b'$' | b'`' | b'"' | b'\\')) => {
                            self.word().push(c);
                            self.pos += 2;
                        }
                        _ => {
                            self.word().push(b'\\');
                            self.pos += 1;
                        }
                    }
                }
                Some(c) => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    self.word().push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$'…'`: bash's ANSI-C quoting.
    fn ansi_c_quoted(&mut self) -> Result<(), ImportError> {
        let start = self.line;
        self.pos += 2;
        self.word();
        loop {
            match self.peek(0) {
                None => return Err(self.unterminated("a $'…' string", start)),
                Some(b'\'') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let (bytes, used) = ansi_c_escape(&self.input[self.pos..]);
                    self.word().extend_from_slice(&bytes);
                    self.pos += used;
                }
                Some(c) => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    self.word().push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

fn hex_value(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

/// Up to `max` digits of `radix` at the start of `rest`: the value and how many were read.
fn digits(rest: &[u8], radix: u32, max: usize) -> (u32, usize) {
    let mut value: u32 = 0;
    let mut used = 0;
    while used < max {
        match rest.get(used).and_then(|&b| char::from(b).to_digit(radix)) {
            Some(d) => {
                value = value.saturating_mul(radix).saturating_add(d);
                used += 1;
            }
            None => break,
        }
    }
    (value, used)
}

fn utf8_of(code: u32) -> Vec<u8> {
    char::from_u32(code).map(|c| c.to_string().into_bytes()).unwrap_or_default()
}

/// One escape after the backslash inside `$'…'`: the bytes it stands for and how many input bytes it used.
fn ansi_c_escape(rest: &[u8]) -> (Vec<u8>, usize) {
    let Some(&c) = rest.first() else { return (b"\\".to_vec(), 0) };
    let simple = match c {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'e' | b'E' => Some(0x1b),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' | b'\'' | b'"' | b'?' => Some(c),
        _ => None,
    };
    if let Some(b) = simple {
        return (vec![b], 1);
    }
    match c {
        b'x' => {
            let (value, used) = digits(&rest[1..], 16, 2);
            if used == 0 { (b"\\x".to_vec(), 1) } else { (vec![(value & 0xff) as u8], 1 + used) }
        }
        b'u' | b'U' => {
            let (value, used) = digits(&rest[1..], 16, if c == b'u' { 4 } else { 8 });
            if used == 0 { (vec![b'\\', c], 1) } else { (utf8_of(value), 1 + used) }
        }
        b'0'..=b'7' => {
            let (value, used) = digits(rest, 8, 3);
            (vec![(value & 0xff) as u8], used)
        }
        b'c' => match rest.get(1) {
            Some(&x) => (vec![x.to_ascii_uppercase() ^ 0x40], 2),
            None => (b"\\c".to_vec(), 1),
        },
        _ => (vec![b'\\', c], 1),
    }
}

/// What `printf '%b' ARG` prints: ARG with echo-style backslash escapes; `\c` stops the output.
fn printf_b(arg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(arg.len());
    let mut i = 0;
    while i < arg.len() {
        if arg[i] != b'\\' {
            out.push(arg[i]);
            i += 1;
            continue;
        }
        let rest = &arg[i + 1..];
        match rest.first() {
            None => {
                out.push(b'\\');
                i += 1;
            }
            Some(b'c') => break,
            Some(b'0') => {
                let (value, used) = digits(&rest[1..], 8, 3);
                out.push((value & 0xff) as u8);
                i += 2 + used;
            }
            Some(b'x') if rest.get(1).copied().and_then(hex_value).is_some() => {
                let (value, used) = digits(&rest[1..], 16, 2);
                out.push((value & 0xff) as u8);
                i += 2 + used;
            }
            Some(b'1'..=b'7') => {
                let (value, used) = digits(rest, 8, 3);
                out.push((value & 0xff) as u8);
                i += 1 + used;
            }
            Some(b'\'' | b'"' | b'?') => {
                // echo -e keeps these escapes as written.
                out.push(b'\\');
                i += 1;
            }
            Some(_) => {
                let (bytes, used) = ansi_c_escape(rest);
                out.extend_from_slice(&bytes);
                i += 1 + used;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// curl: its options.

/// What one option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Request,
    Header,
    /// `-d`, `--data`, `--data-ascii`: `@` reads a file, and newlines of a file are dropped.
    Data,
    DataBinary,
    DataRaw,
    DataUrlencode,
    Json,
    User,
    Url,
    UserAgent,
    Referer,
    Cookie,
    Get,
    Head,
    Http10,
    Http2,
    /// Changes nothing about the request (output, verbosity, TLS checks, redirects…).
    Ignored,
    /// Takes an argument that changes nothing about the request.
    IgnoredWithArg,
    /// Understood but not importable (multipart, uploads, config files).
    Unsupported(&'static str),
}

impl Opt {
    fn takes_argument(self) -> bool {
        !matches!(self, Opt::Get | Opt::Head | Opt::Http10 | Opt::Http2 | Opt::Ignored | Opt::Unsupported(_))
    }
}

const MULTIPART: &str = "multipart forms cannot be imported: capture the request and export it instead";
const UPLOAD: &str = "uploading a file cannot be imported: the import cannot read files";
const CONFIG: &str = "a config file cannot be read by an import";

fn long_option(name: &str) -> Option<Opt> {
    Some(match name {
        "request" => Opt::Request,
        "header" => Opt::Header,
        "data" | "data-ascii" => Opt::Data,
        "data-binary" => Opt::DataBinary,
        "data-raw" => Opt::DataRaw,
        "data-urlencode" => Opt::DataUrlencode,
        "json" => Opt::Json,
        "user" => Opt::User,
        "url" => Opt::Url,
        "user-agent" => Opt::UserAgent,
        "referer" => Opt::Referer,
        "cookie" => Opt::Cookie,
        "get" => Opt::Get,
        "head" => Opt::Head,
        "http1.0" => Opt::Http10,
        "http2" | "http2-prior-knowledge" | "http3" | "http3-only" => Opt::Http2,
        "form" | "form-string" => Opt::Unsupported(MULTIPART),
        "upload-file" => Opt::Unsupported(UPLOAD),
        "config" => Opt::Unsupported(CONFIG),
        "silent" | "show-error" | "verbose" | "include" | "location" | "location-trusted" | "insecure" | "http1.1"
        | "compressed" | "globoff" | "path-as-is" | "fail" | "fail-with-body" | "fail-early" | "no-buffer"
        | "no-keepalive" | "no-progress-meter" | "progress-bar" | "ipv4" | "ipv6" | "tlsv1" | "tlsv1.0" | "tlsv1.1"
        | "tlsv1.2" | "tlsv1.3" | "ssl-no-revoke" | "no-sessionid" | "raw" | "tcp-nodelay" | "styled-output"
        | "no-styled-output" | "remote-name" | "remote-name-all" | "remote-header-name" | "disable" | "netrc"
        | "netrc-optional" | "no-alpn" | "no-npn" | "tr-encoding" | "ssl-reqd" | "ssl" | "proxy-insecure"
        | "retry-connrefused" | "retry-all-errors" | "create-dirs" | "show-headers" => Opt::Ignored,
        "output"
        | "max-time"
        | "connect-timeout"
        | "retry"
        | "retry-delay"
        | "retry-max-time"
        | "write-out"
        | "proxy"
        | "proxy-user"
        | "cacert"
        | "capath"
        | "cert"
        | "cert-type"
        | "key"
        | "key-type"
        | "pass"
        | "resolve"
        | "connect-to"
        | "limit-rate"
        | "max-filesize"
        | "max-redirs"
        | "cookie-jar"
        | "dump-header"
        | "trace"
        | "trace-ascii"
        | "stderr"
        | "interface"
        | "local-port"
        | "keepalive-time"
        | "expect100-timeout"
        | "output-dir"
        | "dns-servers"
        | "noproxy"
        | "ciphers"
        | "pinnedpubkey"
        | "happy-eyeballs-timeout-ms"
        | "speed-limit"
        | "speed-time"
        | "unix-socket"
        | "abstract-unix-socket" => Opt::IgnoredWithArg,
        _ => return None,
    })
}

fn short_option(letter: u8) -> Option<Opt> {
    Some(match letter {
        b'X' => Opt::Request,
        b'H' => Opt::Header,
        b'd' => Opt::Data,
        b'u' => Opt::User,
        b'A' => Opt::UserAgent,
        b'e' => Opt::Referer,
        b'b' => Opt::Cookie,
        b'G' => Opt::Get,
        b'I' => Opt::Head,
        b'0' => Opt::Http10,
        b'F' => Opt::Unsupported(MULTIPART),
        b'T' => Opt::Unsupported(UPLOAD),
        b'K' => Opt::Unsupported(CONFIG),
        b's' | b'S' | b'v' | b'i' | b'L' | b'k' | b'g' | b'f' | b'#' | b'N' | b'4' | b'6' | b'O' | b'J' | b'q'
        | b'n' | b'1' | b'2' | b'3' => Opt::Ignored,
        b'o' | b'm' | b'w' | b'x' | b'U' | b'c' | b'D' | b'E' | b'y' | b'Y' | b'z' | b'r' | b'C' | b't' | b'Q' => {
            Opt::IgnoredWithArg
        }
        _ => return None,
    })
}

/// How a data piece joins the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Form,
    Json,
}

/// What the options of one command said.
#[derive(Debug, Default)]
struct Parsed {
    method: Option<String>,
    url: Option<Vec<u8>>,
    headers: Vec<Header>,
    /// `-H 'Name:'`: headers curl would add that this command removes.
    removed: Vec<String>,
    body: Vec<u8>,
    last_piece: Option<Piece>,
    json: bool,
    user: Option<Vec<u8>>,
    implied: Vec<Header>,
    get: bool,
    head: bool,
    http_version: Option<&'static str>,
}

/// The request of one command; `None` for a command that sends nothing (`set -e`).
fn command_record(command: &Command, at: &str, limits: &ImportLimits) -> Result<Option<ExchangeRecord>, ImportError> {
    let (stdin, curl) = match command.stages.as_slice() {
        [curl] => (None, curl),
        [feed, curl] => (Some(stdin_of(feed, at)?), curl),
        _ => {
            return Err(err(
                ImportErrorKind::Unsupported,
                at,
                "a pipeline longer than `printf '%b' … | curl …` is not supported",
            ));
        }
    };
    let mut words = curl.as_slice();
    if words.first().is_some_and(|w| w == b"$") {
        words = &words[1..];
    }
    match words.first().map(Vec::as_slice) {
        Some(b"curl") => {}
        Some(b"set") if stdin.is_none() => return Ok(None),
        None => return Ok(None),
        Some(other) => {
            return Err(err(
                ImportErrorKind::Unsupported,
                at,
                format!("'{}' is not a curl command", text(other).chars().take(40).collect::<String>()),
            ));
        }
    }
    let parsed = parse_options(&words[1..], stdin.as_deref(), at, limits)?;
    finish(parsed, at, limits).map(Some)
}

/// The bytes `printf '%b' ARG` writes, the only thing our reader lets feed curl's stdin.
fn stdin_of(feed: &[Vec<u8>], at: &str) -> Result<Vec<u8>, ImportError> {
    match feed {
        [printf, format, arg] if printf == b"printf" && format == b"%b" => Ok(printf_b(arg)),
        _ => Err(err(
            ImportErrorKind::Unsupported,
            at,
            "only `printf '%b' '…'` can be piped into curl (as Hookbench's scripts do)",
        )),
    }
}

fn parse_options(
    words: &[Vec<u8>],
    stdin: Option<&[u8]>,
    at: &str,
    limits: &ImportLimits,
) -> Result<Parsed, ImportError> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    let mut only_urls = false;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if only_urls || !word.starts_with(b"-") || word.len() == 1 {
            set_url(&mut parsed, word.clone(), at)?;
            continue;
        }
        if word == b"--" {
            only_urls = true;
            continue;
        }
        if let Some(name) = word.strip_prefix(b"--") {
            let name = text(name);
            let opt = match long_option(&name) {
                Some(opt) => opt,
                // `--no-compressed` and friends switch a flag off.
                None => match name.strip_prefix("no-").and_then(long_option) {
                    Some(Opt::Ignored) => Opt::Ignored,
                    _ => {
                        return Err(err(ImportErrorKind::Unsupported, at, format!("unknown curl option '--{name}'")));
                    }
                },
            };
            let arg = if opt.takes_argument() {
                let arg = words
                    .get(i)
                    .ok_or_else(|| err(ImportErrorKind::Invalid, at, format!("'--{name}' needs a value after it")))?;
                i += 1;
                Some(arg.as_slice())
            } else {
                None
            };
            apply(&mut parsed, opt, &format!("--{name}"), arg, stdin, at, limits)?;
            continue;
        }
        // A cluster of short options: `-sSL`, `-XPOST`, `-H'X: 1'`.
        let mut j = 1;
        while j < word.len() {
            let letter = word[j];
            j += 1;
            let flag = format!("-{}", char::from(letter));
            let opt = short_option(letter)
                .ok_or_else(|| err(ImportErrorKind::Unsupported, at, format!("unknown curl option '{flag}'")))?;
            if !opt.takes_argument() {
                apply(&mut parsed, opt, &flag, None, stdin, at, limits)?;
                continue;
            }
            let arg = if j < word.len() {
                let arg = &word[j..];
                j = word.len();
                arg
            } else {
                let arg = words
                    .get(i)
                    .ok_or_else(|| err(ImportErrorKind::Invalid, at, format!("'{flag}' needs a value after it")))?;
                i += 1;
                arg.as_slice()
            };
            apply(&mut parsed, opt, &flag, Some(arg), stdin, at, limits)?;
        }
    }
    Ok(parsed)
}

fn set_url(parsed: &mut Parsed, url: Vec<u8>, at: &str) -> Result<(), ImportError> {
    if parsed.url.is_some() {
        return Err(err(ImportErrorKind::Unsupported, at, "more than one URL: give each request its own curl command"));
    }
    parsed.url = Some(url);
    Ok(())
}

fn apply(
    parsed: &mut Parsed,
    opt: Opt,
    flag: &str,
    arg: Option<&[u8]>,
    stdin: Option<&[u8]>,
    at: &str,
    limits: &ImportLimits,
) -> Result<(), ImportError> {
    let arg = arg.unwrap_or_default();
    let read_stdin = |strip: bool| -> Result<Vec<u8>, ImportError> {
        let bytes = stdin.ok_or_else(|| {
            err(ImportErrorKind::FileReference, at, format!("{flag} @- reads standard input, and nothing is piped in"))
        })?;
        Ok(if strip {
            bytes.iter().copied().filter(|b| !matches!(b, b'\r' | b'\n' | 0)).collect()
        } else {
            bytes.to_vec()
        })
    };
    let file_error = |name: &[u8]| {
        err(
            ImportErrorKind::FileReference,
            at,
            format!(
                "{flag} {} reads the file '{}', which an import cannot do: paste the file's content instead",
                text(&[b"@", name].concat()),
                text(name)
            ),
        )
    };
    match opt {
        Opt::Request => parsed.method = Some(text(arg)),
        Opt::Header => header_option(parsed, arg, flag, at, limits)?,
        Opt::Data | Opt::DataBinary | Opt::Json => {
            let piece = match arg.strip_prefix(b"@") {
                Some(b"-") => read_stdin(opt == Opt::Data)?,
                Some(name) => return Err(file_error(name)),
                None => arg.to_vec(),
            };
            let kind = if opt == Opt::Json { Piece::Json } else { Piece::Form };
            parsed.json |= opt == Opt::Json;
            add_piece(parsed, kind, &piece, at, limits)?;
        }
        Opt::DataRaw => add_piece(parsed, Piece::Form, arg, at, limits)?,
        Opt::DataUrlencode => {
            let piece = urlencode_piece(arg, &read_stdin, &file_error)?;
            add_piece(parsed, Piece::Form, &piece, at, limits)?;
        }
        Opt::User => parsed.user = Some(arg.to_vec()),
        Opt::Url => set_url(parsed, arg.to_vec(), at)?,
        // Values are trimmed as a receiver trims them (and as -H values are).
        Opt::UserAgent => parsed.implied.push(Header::new("User-Agent", trim(arg))),
        Opt::Referer => parsed.implied.push(Header::new("Referer", trim(arg))),
        Opt::Cookie => {
            if !arg.contains(&b'=') {
                return Err(err(
                    ImportErrorKind::FileReference,
                    at,
                    format!("{flag} '{}' names a cookie file, which an import cannot read", text(arg)),
                ));
            }
            parsed.implied.push(Header::new("Cookie", trim(arg)));
        }
        Opt::Get => parsed.get = true,
        Opt::Head => parsed.head = true,
        Opt::Http10 => parsed.http_version = Some("HTTP/1.0"),
        Opt::Http2 => parsed.http_version = Some("HTTP/2.0"),
        Opt::Ignored | Opt::IgnoredWithArg => {}
        Opt::Unsupported(why) => return Err(err(ImportErrorKind::Unsupported, at, format!("{flag}: {why}"))),
    }
    Ok(())
}

/// `--data-urlencode`'s forms: `content`, `=content`, `name=content`, `@file`, `name@file`.
fn urlencode_piece(
    arg: &[u8],
    read_stdin: &dyn Fn(bool) -> Result<Vec<u8>, ImportError>,
    file_error: &dyn Fn(&[u8]) -> ImportError,
) -> Result<Vec<u8>, ImportError> {
    let split = arg.iter().position(|&b| b == b'=' || b == b'@');
    let (name, content) = match split {
        Some(p) if arg[p] == b'=' => (&arg[..p], arg[p + 1..].to_vec()),
        Some(p) => {
            let file = &arg[p + 1..];
            let content = if file == b"-" { read_stdin(false)? } else { return Err(file_error(file)) };
            (&arg[..p], content)
        }
        None => (&arg[..0], arg.to_vec()),
    };
    let mut piece = name.to_vec();
    if !name.is_empty() {
        piece.push(b'=');
    }
    piece.extend(percent_encode(&content));
    Ok(piece)
}

fn add_piece(
    parsed: &mut Parsed,
    kind: Piece,
    piece: &[u8],
    at: &str,
    limits: &ImportLimits,
) -> Result<(), ImportError> {
    // Form pieces join with `&`; --json pieces are concatenated as they are.
    if parsed.last_piece.is_some() && !(kind == Piece::Json && parsed.last_piece == Some(Piece::Json)) {
        parsed.body.push(b'&');
    }
    parsed.body.extend_from_slice(piece);
    parsed.last_piece = Some(kind);
    if parsed.body.len() > limits.max_body_bytes {
        return Err(err(
            ImportErrorKind::TooLarge,
            at,
            format!("the body is over {} bytes, the most an import takes", limits.max_body_bytes),
        ));
    }
    Ok(())
}

/// Without the spaces and tabs around it, which HTTP does not count as part of a header value.
fn trim(v: &[u8]) -> Vec<u8> {
    let start = v.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(start, |e| e + 1);
    v[start..end.max(start)].to_vec()
}

fn header_option(
    parsed: &mut Parsed,
    arg: &[u8],
    flag: &str,
    at: &str,
    limits: &ImportLimits,
) -> Result<(), ImportError> {
    if let Some(file) = arg.strip_prefix(b"@") {
        return Err(err(
            ImportErrorKind::FileReference,
            at,
            format!("{flag} @{} reads headers from a file, which an import cannot do", text(file)),
        ));
    }
    let (name, value, remove) = match arg.iter().position(|&b| b == b':') {
        Some(p) => {
            let value = trim(&arg[p + 1..]);
            let remove = value.is_empty();
            (trim(&arg[..p]), value, remove)
        }
        None => match arg.strip_suffix(b";") {
            Some(name) => (trim(name), Vec::new(), false),
            None => {
                return Err(err(
                    ImportErrorKind::Invalid,
                    at,
                    format!("{flag} '{}' is not a header: write 'Name: value'", text(arg)),
                ));
            }
        },
    };
    let name = match String::from_utf8(name) {
        Ok(name) if !name.is_empty() && !name.contains([' ', '\t', '\r', '\n']) => name,
        _ => return Err(err(ImportErrorKind::Invalid, at, format!("{flag} '{}' has no valid header name", text(arg)))),
    };
    if remove {
        parsed.removed.push(name);
        return Ok(());
    }
    if parsed.headers.len() >= limits.max_headers {
        return Err(err(ImportErrorKind::TooLarge, at, format!("more than {} headers", limits.max_headers)));
    }
    parsed.headers.push(Header { name, value });
    Ok(())
}

fn finish(mut parsed: Parsed, at: &str, limits: &ImportLimits) -> Result<ExchangeRecord, ImportError> {
    let url = parsed.url.take().ok_or_else(|| err(ImportErrorKind::Invalid, at, "the curl command has no URL"))?;
    let mut url =
        String::from_utf8(url).map_err(|_| err(ImportErrorKind::Invalid, at, "the URL is not valid UTF-8"))?;
    if !url.contains("://") {
        // curl's default scheme.
        url.insert_str(0, "http://");
    }
    let has_data = parsed.last_piece.is_some();
    let mut body = std::mem::take(&mut parsed.body);
    if parsed.get && has_data {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&String::from_utf8_lossy(&body));
        body.clear();
    }
    let sends_body = has_data && !parsed.get;
    let method = parsed.method.clone().unwrap_or_else(|| {
        if parsed.head {
            "HEAD"
        } else if sends_body {
            "POST"
        } else {
            "GET"
        }
        .to_owned()
    });

    // Headers curl adds: before the command's own, except Content-Type, which curl writes after them.
    let mut before: Vec<Header> = Vec::new();
    if let Some(user) = &parsed.user {
        if !user.contains(&b':') {
            return Err(err(
                ImportErrorKind::Invalid,
                at,
                "-u has no ':password' (curl would ask for it): write -u 'name:password'",
            ));
        }
        before.push(Header::new("Authorization", format!("Basic {}", BASE64.encode(user))));
    }
    before.append(&mut parsed.implied);
    if parsed.json {
        before.push(Header::new("Accept", "application/json"));
    }
    let mut after: Vec<Header> = Vec::new();
    if sends_body {
        after.push(Header::new(
            "Content-Type",
            if parsed.json { "application/json" } else { "application/x-www-form-urlencoded" },
        ));
    }
    let own = std::mem::take(&mut parsed.headers);
    let explicit = |name: &str| {
        own.iter().any(|h| h.name.eq_ignore_ascii_case(name))
            || parsed.removed.iter().any(|r| r.eq_ignore_ascii_case(name))
    };
    let mut headers: Vec<Header> = before.into_iter().filter(|h| !explicit(&h.name)).collect();
    let after: Vec<Header> = after.into_iter().filter(|h| !explicit(&h.name)).collect();
    headers.extend(own);
    headers.extend(after);
    if headers.len() > limits.max_headers {
        return Err(err(ImportErrorKind::TooLarge, at, format!("more than {} headers", limits.max_headers)));
    }
    let mut record = ExchangeRecord::request(method, url, headers, body);
    if let Some(version) = parsed.http_version {
        record.http_version = version.to_owned();
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<Vec<String>> {
        split_commands(input.as_bytes())
            .unwrap_or_else(|e| panic!("{input:?} splits: {e}"))
            .into_iter()
            .map(|c| c.stages.into_iter().flatten().map(|w| text(&w)).collect())
            .collect()
    }

    #[test]
    fn quoting_forms_join_into_one_word() {
        assert_eq!(words(r#"a'b c'"d e"$'f\x41\n' g"#), vec![vec!["ab cd efA\n".to_owned(), "g".to_owned()]]);
        assert_eq!(words("x '' y"), vec![vec!["x", "", "y"]], "an empty quoted word is still a word");
    }

    #[test]
    fn double_quotes_keep_dollars_and_most_backslashes() {
        assert_eq!(words(r#""$TOKEN \n \" \\ \$""#), vec![vec![r#"$TOKEN \n " \ $"#]]);
    }

    #[test]
    fn continuations_comments_and_separators_shape_commands() {
        assert_eq!(
            words("curl a \\\n  -s # note\r\ncurl b; curl c && curl d"),
            vec![vec!["curl", "a", "-s"], vec!["curl", "b"], vec!["curl", "c"], vec!["curl", "d"]]
        );
        assert_eq!(words("curl 'a\\\nb'"), vec![vec!["curl", "a\\\nb"]], "no continuation inside single quotes");
        assert_eq!(words("curl a#b"), vec![vec!["curl", "a#b"]], "# inside a word is not a comment");
    }

    #[test]
    fn ansi_c_escapes_cover_hex_octal_unicode_and_control() {
        assert_eq!(ansi_c_escape(b"x4142"), (vec![0x41], 3), "\\x reads at most two hex digits");
        assert_eq!(ansi_c_escape(b"0101"), (vec![0o10], 3), "octal reads at most three digits");
        assert_eq!(ansi_c_escape(b"u00e9"), ("é".as_bytes().to_vec(), 5));
        assert_eq!(ansi_c_escape(b"ca"), (vec![0x01], 2));
        assert_eq!(ansi_c_escape(b"q"), (b"\\q".to_vec(), 1), "unknown escapes stay as written");
        assert_eq!(ansi_c_escape(b"xg"), (b"\\x".to_vec(), 1));
    }

    #[test]
    fn printf_b_decodes_what_our_writer_encodes() {
        assert_eq!(printf_b(br"\x00\x01\x27\\a"), vec![0, 1, b'\'', b'\\', b'a']);
        assert_eq!(printf_b(br"a\0101b\cignored"), b"aAb".to_vec(), "\\0nnn is octal and \\c stops");
        assert_eq!(printf_b(br"tail\"), b"tail\\".to_vec());
    }

    #[test]
    fn unbalanced_quotes_and_redirections_are_named() {
        let open = split_commands(b"curl 'abc").err().map(|e| e.message).unwrap_or_default();
        assert!(open.contains("single quote"), "{open}");
        let redirect = split_commands(b"curl a > out").err().map(|e| e.kind);
        assert_eq!(redirect, Some(ImportErrorKind::Unsupported));
    }
}
