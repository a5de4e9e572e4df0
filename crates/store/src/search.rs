//! Full-text search over captures (SQLite FTS5): the path and query, the headers (names and values)
//! and the body as text (its first 262,144 characters). The index holds no copy of the text (`content=''`).
//! Since V13 `captures::insert` writes a capture's index row itself, once, with the text it already
//! holds (V10's triggers indexed every capture twice, and each trigger made FTS5 flush its pending
//! index at a statement savepoint); a trigger still removes the row when a capture is deleted.
//!
//! A list with a search is driven by the index in rowid order (`ORDER BY rowid DESC` with the
//! cursor as a rowid bound is native to FTS5), joined to `captures` for the other filters and
//! stopped at the page size, so a word in every capture costs a page, not every match. FTS5 cannot
//! stream a prefix query (`"word"*` merges the doclists of every term with that prefix before it
//! returns a row), so a prefix word is first expanded to the terms the index holds
//! (`captures_fts_terms`, an fts5vocab table, one seek per term) and asked as `"t1" OR "t2" …`,
//! which streams; only a prefix with more than `PREFIX_TERMS` terms keeps FTS5's own prefix query.

use hookbench_domain::Timestamp;
use rusqlite::{Connection, OptionalExtension};

pub const SCHEMA_V10: &str = "
CREATE VIRTUAL TABLE captures_fts USING fts5(
    target, headers, body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER captures_fts_insert AFTER INSERT ON captures BEGIN
    INSERT INTO captures_fts (rowid, target, headers, body)
    VALUES (new.id, new.path || coalesce('?' || new.query, ''), CAST(new.headers AS TEXT), '');
END;
CREATE TRIGGER captures_fts_body AFTER INSERT ON capture_bodies BEGIN
    INSERT OR REPLACE INTO captures_fts (rowid, target, headers, body)
    SELECT c.id, c.path || coalesce('?' || c.query, ''), CAST(c.headers AS TEXT),
           substr(CAST(new.body AS TEXT), 1, 262144)
    FROM captures c WHERE c.id = new.capture_id;
END;
CREATE TRIGGER captures_fts_delete AFTER DELETE ON captures BEGIN
    DELETE FROM captures_fts WHERE rowid = old.id;
END;
INSERT INTO captures_fts (rowid, target, headers, body)
    SELECT c.id, c.path || coalesce('?' || c.query, ''), CAST(c.headers AS TEXT),
           coalesce(substr(CAST(b.body AS TEXT), 1, 262144), '')
    FROM captures c LEFT JOIN capture_bodies b ON b.capture_id = c.id;
CREATE INDEX captures_received ON captures(received_at, id);
";

/// The index is written by `captures::insert` (see the module documentation); existing rows stay
/// as V10 indexed them. `captures_fts_terms` lists the index's terms for prefix expansion.
pub const SCHEMA_V13: &str = "
DROP TRIGGER captures_fts_insert;
DROP TRIGGER captures_fts_body;
CREATE VIRTUAL TABLE captures_fts_terms USING fts5vocab(captures_fts, instance);
";

/// How much of a body is indexed, in characters.
pub const BODY_CHARS: usize = 262_144;

/// The text a capture is indexed by: `(target, headers, body)`. Headers are `name value` lines
/// (no JSON keys or punctuation); a body that is not UTF-8 is indexed as its lossy rendering.
pub fn index_text<'a>(
    path: &str,
    query: Option<&str>,
    headers: &[hookbench_domain::Header],
    body: Option<&'a [u8]>,
) -> (String, String, std::borrow::Cow<'a, str>) {
    let target = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let mut head = String::with_capacity(headers.iter().map(|h| h.name.len() + h.value.len() + 2).sum());
    for h in headers {
        head.push_str(&h.name);
        head.push(' ');
        head.push_str(&String::from_utf8_lossy(&h.value));
        head.push('\n');
    }
    let body = match body {
        Some(bytes) => {
            // Bytes are at least as many as characters: only a long body needs the character count.
            let bytes = &bytes[..bytes.len().min(BODY_CHARS * 4)];
            match String::from_utf8_lossy(bytes) {
                std::borrow::Cow::Borrowed(text) => std::borrow::Cow::Borrowed(first_chars(text, BODY_CHARS)),
                std::borrow::Cow::Owned(text) => std::borrow::Cow::Owned(first_chars(&text, BODY_CHARS).to_owned()),
            }
        }
        None => std::borrow::Cow::Borrowed(""),
    };
    (target, head, body)
}

fn first_chars(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// One term of a person's search: its words (letters and digits), and whether the last is a prefix.
struct Term {
    words: Vec<String>,
    prefix: bool,
}

impl Term {
    fn phrase(&self) -> String {
        format!("\"{}\"", self.words.join(" "))
    }
}

/// Splits search text into terms: quotes keep a phrase together (matched exactly); any other word
/// is matched as a prefix. Tokens are letters and digits, so `evt_1Nq` or `a.b@c` become phrases of
/// their parts.
fn terms(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (term, phrase, after) = if let Some(quoted) = rest.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (&quoted[..end], true, &quoted[end + 1..]),
                None => (quoted, true, ""),
            }
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], false, &rest[end..])
        };
        let words: Vec<String> =
            term.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect();
        if !words.is_empty() {
            terms.push(Term { words, prefix: !phrase });
        }
        rest = after.trim_start();
    }
    terms
}

/// A person's search text as an FTS5 query: every word must appear (in any column), each word
/// matched as a prefix; quotes keep a phrase together. Operators and column filters are not
/// interpreted, so any text is a valid query. `None` when there is nothing to search for. (The
/// list asks `expanded_query`, which is this with the prefixes spelt out.)
#[cfg(test)]
fn match_query(text: &str) -> Option<String> {
    let terms = terms(text);
    if terms.is_empty() {
        return None;
    }
    let parts: Vec<String> =
        terms.iter().map(|t| if t.prefix { format!("{}*", t.phrase()) } else { t.phrase() }).collect();
    Some(parts.join(" AND "))
}

/// The most index terms a prefix word is expanded to; beyond, FTS5's own prefix query is used.
pub const PREFIX_TERMS: usize = 64;

/// Like `match_query`, with every prefix word replaced by the terms the index holds that start
/// with it (`"evt 1nq"*` becomes `("evt 1nqa" OR "evt 1nqb")`), so FTS5 streams the matches in
/// rowid order instead of merging every doclist first. Same matches: the vocabulary lists every
/// term of the index (and perhaps terms of deleted rows, which match nothing).
pub fn expanded_query(conn: &Connection, text: &str) -> rusqlite::Result<Option<String>> {
    let terms = terms(text);
    if terms.is_empty() {
        return Ok(None);
    }
    let mut parts = Vec::with_capacity(terms.len());
    for term in &terms {
        let Some(last) = term.words.last().filter(|_| term.prefix) else {
            parts.push(term.phrase());
            continue;
        };
        // The tokenizer folds case and diacritics: only ASCII words are known to be spelt in the
        // index as they are here.
        let expanded = if last.is_ascii() { prefix_terms(conn, last)? } else { None };
        match expanded {
            Some(found) if !found.is_empty() => {
                let head = &term.words[..term.words.len() - 1];
                let alternatives: Vec<String> = found
                    .iter()
                    .map(|t| {
                        let mut words: Vec<&str> = head.iter().map(String::as_str).collect();
                        words.push(t);
                        format!("\"{}\"", words.join(" "))
                    })
                    .collect();
                parts.push(format!("({})", alternatives.join(" OR ")));
            }
            _ => parts.push(format!("{}*", term.phrase())),
        }
    }
    Ok(Some(parts.join(" AND ")))
}

/// The index's terms that start with `prefix`, or `None` when there are more than `PREFIX_TERMS`.
/// Each step is one seek in the vocabulary: the first instance of the next term at or after a bound.
fn prefix_terms(conn: &Connection, prefix: &str) -> rusqlite::Result<Option<Vec<String>>> {
    let mut stmt = conn.prepare_cached("SELECT term FROM captures_fts_terms WHERE term >= ?1 LIMIT 1")?;
    let mut found = Vec::new();
    let mut from = prefix.to_owned();
    while let Some(term) = stmt.query_row([&from], |r| r.get::<_, String>(0)).optional()? {
        if !term.starts_with(prefix) {
            break;
        }
        if found.len() == PREFIX_TERMS {
            return Ok(None);
        }
        // The smallest string after `term`: terms hold no NUL, so nothing lies between them.
        from = format!("{term}\0");
        found.push(term);
    }
    Ok(Some(found))
}

/// The rows a list with a search reads: the index in rowid order, each match joined to its
/// capture (`CROSS JOIN` keeps the index as the outer loop). Its first argument is the query.
pub const MATCH_FROM: &str =
    "captures_fts CROSS JOIN captures ON captures.id = captures_fts.rowid WHERE captures_fts MATCH ?";

/// The clause for a time range on `received_at` (unix ms).
pub fn time_clauses(since: Option<Timestamp>, until: Option<Timestamp>) -> Vec<(&'static str, Timestamp)> {
    let mut out = Vec::new();
    if let Some(t) = since {
        out.push(("received_at >= ?", t));
    }
    if let Some(t) = until {
        out.push(("received_at < ?", t));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::match_query;
    use hookbench_domain::CaptureFilter;

    /// A store made before V13 (its index written by V10's triggers) upgrades: what it held is still
    /// found, new captures are indexed by the insert, deletes leave the index.
    #[test]
    fn a_v11_store_upgrades_and_its_captures_stay_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = rusqlite::Connection::open(dir.path().join("old.db")).unwrap();
        rusqlite_migration::Migrations::from_slice(&crate::migrations::MIGRATIONS[..11]).to_latest(&mut conn).unwrap();
        for (i, body) in [&b"{\"type\":\"invoice.paid\"}"[..], b"legacy words", b"\xff\xfe binary"].iter().enumerate() {
            conn.execute(
                "INSERT INTO captures (received_at, method, path, url, http_version, remote_addr, headers, body_size,
                                       body_stored, response_status, endpoint_id)
                 VALUES (1, 'POST', ?1, 'u', 'HTTP/1.1', 'r', CAST('[{\"name\":\"X-Old\",\"value\":\"kept\"}]' AS BLOB), 1, 1, 200, 1)",
                [format!("/old/{i}")],
            )
            .unwrap();
            conn.execute("INSERT INTO capture_bodies (capture_id, body) VALUES (last_insert_rowid(), ?1)", [body])
                .unwrap();
        }
        crate::migrations::apply(&mut conn).unwrap();
        let ids = |text: &str| {
            let f = CaptureFilter { text: Some(text.into()), limit: 50, ..Default::default() };
            crate::captures::list(&conn, &f).unwrap().items.iter().map(|c| c.id).collect::<Vec<_>>()
        };
        assert_eq!(ids("invoice"), [1]);
        assert_eq!(ids("legac wor"), [2]);
        assert_eq!(ids("kept"), [3, 2, 1], "headers indexed by the old trigger");
        // Bodies stored before V14 are read as they were stored.
        let old = crate::captures::body(&conn, 3).unwrap().unwrap().bytes;
        assert_eq!(old.as_deref(), Some(&b"\xff\xfe binary"[..]));
        let new = hookbench_domain::NewCapture {
            received_at: 2,
            method: "POST".into(),
            path: "/new".into(),
            query: Some("invoice=1".into()),
            url: "u".into(),
            http_version: "HTTP/1.1".into(),
            remote_addr: "r".into(),
            headers: vec![hookbench_domain::Header::new("X-New", "kept")],
            content_type: None,
            body: Some(bytes::Bytes::from_static(b"fresh legacy")),
            body_size: 12,
            response_status: 200,
            endpoint_id: 1,
            verdict_json: None,
            verdict_valid: None,
            dedupe: None,
            faults: Vec::new(),
            response_note: None,
        };
        let id = crate::captures::insert(&conn, &new).unwrap().id;
        assert_eq!(ids("legacy"), [id, 2]);
        assert_eq!(ids("kept"), [id, 3, 2, 1]);
        assert_eq!(ids("invoice"), [id, 1], "the query string is indexed with the path");
        assert!(crate::captures::delete(&conn, 1).unwrap());
        assert!(crate::captures::delete(&conn, id).unwrap());
        assert_eq!(ids("kept"), [3, 2]);
        assert_eq!(ids("invoice"), Vec::<i64>::new());
    }

    #[test]
    fn search_text_becomes_a_safe_prefix_query() {
        assert_eq!(match_query("invoice paid").as_deref(), Some("\"invoice\"* AND \"paid\"*"));
        assert_eq!(match_query("\"invoice.paid\" cus_").as_deref(), Some("\"invoice paid\" AND \"cus\"*"));
        assert_eq!(match_query("NEAR( OR * ^col:x").as_deref(), Some("\"near\"* AND \"or\"* AND \"col x\"*"));
        assert_eq!(match_query("  ** \"\" "), None);
        assert_eq!(match_query("\"unterminated phrase").as_deref(), Some("\"unterminated phrase\""));
    }
}
