//! A tap on the receiver's socket that keeps each HTTP/1 request head exactly as sent.
//!
//! hyper hands us headers in a `HeaderMap`, which lower-cases names and groups repeats. Users of a
//! webhook inspector need to see what was really on the wire, so this wrapper watches the bytes
//! hyper reads, parses every request head with `httparse` (names keep case, order and repeats), and
//! skips over bodies (Content-Length or chunked framing) to find the next head on a keep-alive
//! connection. If anything looks unusual (HTTP/2, an upgrade, an oversized head) the tap switches
//! itself off and the receiver falls back to hyper's view; it never alters or delays the bytes.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hookbench_domain::Header;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A head larger than this is not kept by the tap (hyper itself refuses far smaller ones).
const MAX_HEAD_BYTES: usize = 1024 * 1024;
/// Heads parsed but not yet claimed by a request; more means a pipelining flood: drop the oldest.
const MAX_QUEUED_HEADS: usize = 64;
const MAX_HEADERS: usize = 16_384;

/// One request head as it was on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHead {
    pub method: String,
    pub target: String,
    pub headers: Vec<Header>,
}

/// The heads one connection's tap has parsed, in order; the request handler takes them.
#[derive(Debug, Clone, Default)]
pub struct HeadQueue(Arc<Mutex<VecDeque<RawHead>>>);

impl HeadQueue {
    /// Takes the next head if it belongs to the request with this method and target.
    pub fn take_matching(&self, method: &str, target: &str) -> Option<RawHead> {
        let mut queue = self.0.lock().ok()?;
        let head = queue.pop_front()?;
        (head.method == method && head.target == target).then_some(head)
    }

    fn push(&self, head: RawHead) {
        if let Ok(mut queue) = self.0.lock() {
            if queue.len() >= MAX_QUEUED_HEADS {
                queue.pop_front();
            }
            queue.push_back(head);
        }
    }
}

#[derive(Debug)]
enum State {
    Head(Vec<u8>),
    /// Skipping a body of known remaining length.
    Body(u64),
    Chunked(Chunk),
    Off,
}

#[derive(Debug)]
enum Chunk {
    /// Reading a chunk-size line (bytes so far).
    Size(Vec<u8>),
    Data(u64),
    /// The CRLF after a chunk's data (bytes still to skip).
    DataEnd(u8),
    /// Trailer lines after the last chunk; the bytes of the current line.
    Trailers(Vec<u8>),
}

/// Parses a byte stream of HTTP/1 requests into heads.
#[derive(Debug)]
pub struct HeadParser {
    state: State,
    queue: HeadQueue,
}

impl HeadParser {
    pub fn new(queue: HeadQueue) -> Self {
        Self { state: State::Head(Vec::new()), queue }
    }

    pub fn is_off(&self) -> bool {
        matches!(self.state, State::Off)
    }

    /// Reads `input` (bytes just received). Returns `Some(bytes)` when they must be handed on
    /// changed: raw bytes >= 0x80 in a request target (not valid HTTP, so hyper would refuse the
    /// request) are percent-escaped, as a browser would, so the request is still captured.
    pub fn feed(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        // Once anything was escaped: everything handed on so far, escaped.
        let mut out: Option<Vec<u8>> = None;
        let mut data = input;
        while !data.is_empty() {
            let consumed_from = input.len() - data.len();
            let mut escaped_head: Option<Vec<u8>> = None;
            data = match std::mem::replace(&mut self.state, State::Off) {
                State::Off => break,
                State::Head(mut buf) => {
                    let before = buf.len();
                    let escaped = escape_request_target(&buf, data);
                    let added = escaped.as_ref().map_or(0, |e| e.len() - data.len());
                    buf.extend_from_slice(escaped.as_deref().unwrap_or(data));
                    let rest = match parse_head(&buf) {
                        HeadParse::Partial if buf.len() > MAX_HEAD_BYTES => &[][..],
                        HeadParse::Partial => {
                            self.state = State::Head(std::mem::take(&mut buf));
                            &[][..]
                        }
                        HeadParse::Invalid => &[][..],
                        HeadParse::Complete { head, len, framing } => {
                            self.queue.push(head);
                            self.state = match framing {
                                Framing::None => State::Head(Vec::new()),
                                Framing::Length(n) => State::Body(n),
                                Framing::Chunked => State::Chunked(Chunk::Size(Vec::new())),
                                Framing::Unknown => State::Off,
                            };
                            // Every escape is in the request line, so before the head's end.
                            let in_head = len - before;
                            if let Some(e) = escaped.as_ref() {
                                escaped_head = Some(e.get(..in_head).unwrap_or(e).to_vec());
                            }
                            data.get(in_head.saturating_sub(added)..).unwrap_or_default()
                        }
                    };
                    if escaped_head.is_none()
                        && let Some(e) = escaped
                    {
                        escaped_head = Some(e);
                    }
                    rest
                }
                State::Body(remaining) => {
                    let take = remaining.min(data.len() as u64) as usize;
                    let left = remaining - take as u64;
                    self.state = if left == 0 { State::Head(Vec::new()) } else { State::Body(left) };
                    &data[take..]
                }
                State::Chunked(chunk) => self.feed_chunked(chunk, data).unwrap_or_default(),
            };
            if matches!(self.state, State::Body(0)) {
                self.state = State::Head(Vec::new());
            }
            let consumed = input.get(consumed_from..input.len() - data.len()).unwrap_or_default();
            match (escaped_head, out.as_mut()) {
                (Some(escaped), None) => {
                    let mut all = input.get(..consumed_from).unwrap_or_default().to_vec();
                    all.extend_from_slice(&escaped);
                    out = Some(all);
                }
                (Some(escaped), Some(all)) => all.extend_from_slice(&escaped),
                (None, Some(all)) => all.extend_from_slice(consumed),
                (None, None) => {}
            }
        }
        if let Some(all) = out.as_mut() {
            all.extend_from_slice(data);
        }
        out
    }

    /// Advances through chunked framing; returns the unread rest, or `None` when the tap turned off.
    fn feed_chunked<'a>(&mut self, chunk: Chunk, data: &'a [u8]) -> Option<&'a [u8]> {
        match chunk {
            Chunk::Size(mut line) => {
                let Some(nl) = data.iter().position(|&b| b == b'\n') else {
                    line.extend_from_slice(data);
                    if line.len() > 4096 {
                        return None;
                    }
                    self.state = State::Chunked(Chunk::Size(line));
                    return Some(&[]);
                };
                line.extend_from_slice(&data[..nl]);
                let text = std::str::from_utf8(&line).ok()?;
                let size_text = text.split(';').next()?.trim();
                let size = u64::from_str_radix(size_text, 16).ok()?;
                self.state = State::Chunked(if size == 0 { Chunk::Trailers(Vec::new()) } else { Chunk::Data(size) });
                Some(&data[nl + 1..])
            }
            Chunk::Data(remaining) => {
                let take = remaining.min(data.len() as u64) as usize;
                let left = remaining - take as u64;
                self.state = State::Chunked(if left == 0 { Chunk::DataEnd(2) } else { Chunk::Data(left) });
                Some(&data[take..])
            }
            Chunk::DataEnd(n) => {
                let take = (n as usize).min(data.len());
                let left = n - take as u8;
                self.state = State::Chunked(if left == 0 { Chunk::Size(Vec::new()) } else { Chunk::DataEnd(left) });
                Some(&data[take..])
            }
            Chunk::Trailers(mut line) => {
                let Some(nl) = data.iter().position(|&b| b == b'\n') else {
                    line.extend_from_slice(data);
                    if line.len() > 64 * 1024 {
                        return None;
                    }
                    self.state = State::Chunked(Chunk::Trailers(line));
                    return Some(&[]);
                };
                line.extend_from_slice(&data[..nl]);
                let blank = line.iter().all(|&b| b == b'\r');
                self.state = if blank { State::Head(Vec::new()) } else { State::Chunked(Chunk::Trailers(Vec::new())) };
                Some(&data[nl + 1..])
            }
        }
    }
}

/// `data` escaped if it holds raw bytes >= 0x80 inside the request target of the head that `buf`
/// (the head's bytes so far) begins; `None` when nothing needs escaping.
fn escape_request_target(buf: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    if buf.contains(&b'\n') {
        return None;
    }
    let line_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let mut spaces = buf.iter().filter(|&&b| b == b' ').count();
    let needs = data[..line_end].iter().any(|&b| {
        spaces += usize::from(b == b' ');
        spaces == 1 && b >= 0x80
    });
    if !needs {
        return None;
    }
    let mut spaces = buf.iter().filter(|&&b| b == b' ').count();
    let mut out = Vec::with_capacity(data.len() + 16);
    for (i, &b) in data.iter().enumerate() {
        spaces += usize::from(b == b' ');
        if i < line_end && spaces == 1 && b >= 0x80 {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
    Some(out)
}

enum Framing {
    None,
    Length(u64),
    Chunked,
    /// Upgrades, CONNECT, HTTP/2 preface, conflicting lengths: stop tapping this connection.
    Unknown,
}

enum HeadParse {
    Partial,
    Invalid,
    Complete { head: RawHead, len: usize, framing: Framing },
}

fn parse_head(buf: &[u8]) -> HeadParse {
    let mut capacity = 64;
    loop {
        let mut headers = vec![httparse::EMPTY_HEADER; capacity];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(buf) {
            Ok(httparse::Status::Partial) => return HeadParse::Partial,
            Ok(httparse::Status::Complete(len)) => {
                let (Some(method), Some(target)) = (req.method, req.path) else { return HeadParse::Invalid };
                let headers: Vec<Header> = req.headers.iter().map(|h| Header::new(h.name, h.value)).collect();
                let framing = framing(method, &headers);
                let head = RawHead { method: method.to_owned(), target: target.to_owned(), headers };
                return HeadParse::Complete { head, len, framing };
            }
            Err(httparse::Error::TooManyHeaders) if capacity < MAX_HEADERS => capacity *= 4,
            Err(_) => return HeadParse::Invalid,
        }
    }
}

fn framing(method: &str, headers: &[Header]) -> Framing {
    fn named<'a>(headers: &'a [Header], name: &'static str) -> impl Iterator<Item = &'a Header> + 'a {
        headers.iter().filter(move |h| h.name.eq_ignore_ascii_case(name))
    }
    let named = |name: &'static str| named(headers, name);
    if method.eq_ignore_ascii_case("CONNECT") || named("upgrade").next().is_some() {
        return Framing::Unknown;
    }
    let chunked = named("transfer-encoding").any(|h| {
        String::from_utf8_lossy(&h.value)
            .split(',')
            .next_back()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked"))
    });
    if chunked {
        return Framing::Chunked;
    }
    if named("transfer-encoding").next().is_some() {
        return Framing::Unknown;
    }
    let lengths: Vec<Option<u64>> = named("content-length")
        .map(|h| std::str::from_utf8(&h.value).ok().and_then(|v| v.trim().parse().ok()))
        .collect();
    match lengths.as_slice() {
        [] => Framing::None,
        [Some(n), rest @ ..] if rest.iter().all(|m| *m == Some(*n)) => Framing::Length(*n),
        _ => Framing::Unknown,
    }
}

/// What one connection is doing, for the idle watchdog: when bytes last moved either way, and how
/// many requests are in flight (counted until their response body is dropped).
#[derive(Debug)]
pub struct Activity {
    start: tokio::time::Instant,
    last_io_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Default for Activity {
    fn default() -> Self {
        Self { start: tokio::time::Instant::now(), last_io_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) }
    }
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_io_ms.store(ms, Ordering::Relaxed);
    }

    /// How long no byte has moved on the connection.
    pub fn idle_for(&self) -> std::time::Duration {
        let last = std::time::Duration::from_millis(self.last_io_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Counts a request as in flight until the returned guard is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }
}

/// A request in flight on a connection; dropping it ends the count.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The socket wrapper: every byte read is shown to the parser, then handed on untouched. It can
/// also be told to end the connection with a reset (RST) instead of a normal close.
pub struct TappedStream {
    inner: TcpStream,
    parser: HeadParser,
    reset: ResetSwitch,
    /// Escaped bytes that did not fit the reader's buffer yet (already seen by the parser).
    pending: Vec<u8>,
    activity: Arc<Activity>,
}

/// Set it, then drop the connection: the socket closes with RST (zero linger) instead of FIN.
#[derive(Debug, Clone, Default)]
pub struct ResetSwitch(Arc<AtomicBool>);

impl ResetSwitch {
    pub fn trip(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl TappedStream {
    pub fn new(inner: TcpStream, queue: HeadQueue, reset: ResetSwitch, activity: Arc<Activity>) -> Self {
        Self { inner, parser: HeadParser::new(queue), reset, pending: Vec::new(), activity }
    }
}

impl Drop for TappedStream {
    fn drop(&mut self) {
        if self.reset.0.load(Ordering::SeqCst) {
            // Zero linger cannot block (unlike a timed linger): the kernel discards and sends RST.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for TappedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.pending.is_empty() {
            let n = this.pending.len().min(buf.remaining());
            buf.put_slice(&this.pending[..n]);
            this.pending.drain(..n);
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll
            && buf.filled().len() > before
        {
            this.activity.touch();
        }
        if let Poll::Ready(Ok(())) = poll
            && !this.parser.is_off()
            && let Some(escaped) = this.parser.feed(&buf.filled()[before..])
        {
            buf.set_filled(before);
            let n = escaped.len().min(buf.remaining());
            buf.put_slice(&escaped[..n]);
            this.pending = escaped[n..].to_vec();
        }
        poll
    }
}

impl AsyncWrite for TappedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = poll
            && n > 0
        {
            self.activity.touch();
        }
        poll
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = poll
            && n > 0
        {
            self.activity.touch();
        }
        poll
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads_of(chunks: &[&[u8]]) -> Vec<RawHead> {
        let queue = HeadQueue::default();
        let mut parser = HeadParser::new(queue.clone());
        for c in chunks {
            parser.feed(c);
        }
        let q = queue.0.lock().unwrap();
        q.iter().cloned().collect()
    }

    fn names(head: &RawHead) -> Vec<(String, String)> {
        head.headers.iter().map(|h| (h.name.clone(), String::from_utf8_lossy(&h.value).into_owned())).collect()
    }

    #[test]
    fn a_head_keeps_case_order_and_repeats() {
        let heads =
            heads_of(&[b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nContent-Length: 0\r\nx-dup: 2\r\n\r\n"]);
        assert_eq!(heads.len(), 1);
        assert_eq!(heads[0].target, "/a?x=1");
        assert_eq!(
            names(&heads[0]),
            [("Host", "h"), ("X-Dup", "1"), ("Content-Length", "0"), ("x-dup", "2")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn heads_split_across_reads_and_bodies_between_them_are_handled() {
        let heads = heads_of(&[
            b"POST /one HTTP/1.1\r\nContent-",
            b"Length: 5\r\n\r\nhel",
            b"loGET /two HTTP/1.1\r\nA: b\r\n\r\n",
        ]);
        let targets: Vec<_> = heads.iter().map(|h| h.target.as_str()).collect();
        assert_eq!(targets, ["/one", "/two"], "the body bytes must not be taken for a head");
    }

    #[test]
    fn chunked_bodies_with_extensions_and_trailers_are_skipped() {
        let heads = heads_of(&[
            b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n",
            b"GET /after HTTP/1.1\r\n\r\n",
        ]);
        let targets: Vec<_> = heads.iter().map(|h| h.target.as_str()).collect();
        assert_eq!(targets, ["/c", "/after"]);
    }

    #[test]
    fn byte_by_byte_delivery_gives_the_same_heads() {
        let wire = b"PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nDELETE /y HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET /z HTTP/1.1\r\n\r\n";
        let pieces: Vec<&[u8]> = wire.chunks(1).collect();
        let targets: Vec<_> = heads_of(&pieces).into_iter().map(|h| h.target).collect();
        assert_eq!(targets, ["/x", "/y", "/z"]);
    }

    #[test]
    fn an_upgrade_or_garbage_turns_the_tap_off_instead_of_guessing() {
        let queue = HeadQueue::default();
        let mut parser = HeadParser::new(queue.clone());
        parser.feed(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        assert!(parser.is_off(), "after an upgrade the bytes are not HTTP/1 any more");
        let mut parser = HeadParser::new(HeadQueue::default());
        parser.feed(b"\x16\x03\x01 not http\r\n\r\n");
        assert!(parser.is_off());
    }

    #[test]
    fn a_head_is_taken_only_by_the_request_it_belongs_to() {
        let queue = HeadQueue::default();
        let mut parser = HeadParser::new(queue.clone());
        parser.feed(b"GET /a HTTP/1.1\r\n\r\n");
        assert!(queue.take_matching("GET", "/b").is_none(), "a mismatch must not hand out the wrong headers");
        parser.feed(b"GET /c HTTP/1.1\r\n\r\n");
        assert_eq!(queue.take_matching("GET", "/c").map(|h| h.target), Some("/c".into()));
    }

    #[test]
    fn thousands_of_headers_are_kept() {
        let mut wire = b"POST /many HTTP/1.1\r\n".to_vec();
        for i in 0..5000 {
            wire.extend_from_slice(format!("X-H{i}: {i}\r\n").as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        let heads = heads_of(&[&wire]);
        assert_eq!(heads[0].headers.len(), 5000);
    }

    /// Feeds `pieces` and returns what would be handed on to hyper, plus the parsed targets.
    fn handed_on(pieces: &[&[u8]]) -> (Vec<u8>, Vec<String>) {
        let queue = HeadQueue::default();
        let mut parser = HeadParser::new(queue.clone());
        let mut out = Vec::new();
        for p in pieces {
            match parser.feed(p) {
                Some(escaped) => out.extend_from_slice(&escaped),
                None => out.extend_from_slice(p),
            }
        }
        let targets = queue.0.lock().unwrap().iter().map(|h| h.target.clone()).collect();
        (out, targets)
    }

    #[test]
    fn raw_non_ascii_bytes_in_a_request_target_are_percent_escaped_and_nothing_else_changes() {
        let wire: &[u8] = b"POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n\xff\xfe\x80 GET /caf\xe9?q=\xc3\x28 HTTP/1.1\r\nX-V: \xe9\r\n\r\n";
        let expected: &[u8] = b"POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n\xff\xfe\x80 GET /caf%E9?q=%C3( HTTP/1.1\r\nX-V: \xe9\r\n\r\n";
        let (whole, targets) = handed_on(&[wire]);
        assert_eq!(whole, expected, "the body and header values keep their bytes; only the target is escaped");
        assert_eq!(targets, ["/a", "/caf%E9?q=%C3("]);
        let pieces: Vec<&[u8]> = wire.chunks(1).collect();
        let (bytewise, targets) = handed_on(&pieces);
        assert_eq!(bytewise, expected, "the same when the bytes come one at a time");
        assert_eq!(targets, ["/a", "/caf%E9?q=%C3("]);
        let plain: &[u8] = b"GET /plain HTTP/1.1\r\n\r\n";
        assert!(HeadParser::new(HeadQueue::default()).feed(plain).is_none(), "ASCII passes untouched, uncopied");
    }
}
