//! Full-text search over captures (SQLite FTS5): the path and query, the headers (names and values)
//! and the body as text (its first 262,144 characters). The index holds no copy of the text (`content=''`);
//! triggers keep it in step with `captures` and `capture_bodies`, so every writer stays as it is.

use hookbench_domain::Timestamp;

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

/// A person's search text as an FTS5 query: every word must appear (in any column), each word
/// matched as a prefix; quotes keep a phrase together. Operators and column filters are not
/// interpreted, so any text is a valid query. `None` when there is nothing to search for.
pub fn match_query(text: &str) -> Option<String> {
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
        // Tokens are letters and digits: keep those, so `"evt_1Nq"` or `a.b@c` still match their parts.
        let words: Vec<String> =
            term.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect();
        if !words.is_empty() {
            let quoted = format!("\"{}\"", words.join(" "));
            terms.push(if phrase { quoted } else { format!("{quoted}*") });
        }
        rest = after.trim_start();
    }
    if terms.is_empty() { None } else { Some(terms.join(" AND ")) }
}

/// The clause a capture list adds for a search (its argument is `match_query`'s text).
pub const MATCH_CLAUSE: &str = "id IN (SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?)";

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
    use super::match_query;

    #[test]
    fn search_text_becomes_a_safe_prefix_query() {
        assert_eq!(match_query("invoice paid").as_deref(), Some("\"invoice\"* AND \"paid\"*"));
        assert_eq!(match_query("\"invoice.paid\" cus_").as_deref(), Some("\"invoice paid\" AND \"cus\"*"));
        assert_eq!(match_query("NEAR( OR * ^col:x").as_deref(), Some("\"near\"* AND \"or\"* AND \"col x\"*"));
        assert_eq!(match_query("  ** \"\" "), None);
        assert_eq!(match_query("\"unterminated phrase").as_deref(), Some("\"unterminated phrase\""));
    }
}
