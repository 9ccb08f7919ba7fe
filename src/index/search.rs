//! Queries over the passage index: tantivy's query syntax plus code and metadata filters.

use std::collections::HashSet;
use std::ops::{Bound, Range};

use tantivy::Term;
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::{Index, Stored, WordTokenizer, index_error};
use crate::error::{Diagnostic, Error, Result};
use crate::stem::{STEMMED_LANGUAGES, Stemmer};

/// A search: a text query in tantivy's syntax (boolean operators, `"phrases"`, `prefix*`,
/// `"return scientists"~5` proximity), filtered by codes and metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    text: String,
    codes: Vec<String>,
    not_codes: Vec<String>,
    years: Option<(i32, i32)>,
    kind: Option<String>,
    lang: Option<String>,
    limit: usize,
}

impl Search {
    /// A search for `text` (empty: every passage, to filter by code or metadata alone).
    pub fn new(text: impl Into<String>) -> Search {
        Search {
            text: text.into(),
            limit: 10,
            ..Search::default()
        }
    }

    /// Only passages coded with `code` (or one of its sub-codes). Repeatable: all must hold.
    pub fn code(mut self, code: impl Into<String>) -> Search {
        self.codes.push(code.into());
        self
    }

    /// No passage coded with `code` (or one of its sub-codes).
    pub fn not_code(mut self, code: impl Into<String>) -> Search {
        self.not_codes.push(code.into());
        self
    }

    /// Only documents of years `from..=to`.
    pub fn years(mut self, from: i32, to: i32) -> Search {
        self.years = Some((from, to));
        self
    }

    /// Only documents of this kind.
    pub fn kind(mut self, kind: impl Into<String>) -> Search {
        self.kind = Some(kind.into());
        self
    }

    /// Only passages in this language (`en`, `ru`, `kk`, `uk`).
    pub fn lang(mut self, lang: impl Into<String>) -> Search {
        self.lang = Some(lang.into());
        self
    }

    /// At most `n` hits (default 10).
    pub fn limit(mut self, n: usize) -> Search {
        self.limit = n;
        self
    }

    /// The query text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The most hits it returns.
    pub fn max_hits(&self) -> usize {
        self.limit
    }

    /// Whether a passage with these codes, year, kind and language passes the search's
    /// filters, as the index applies them (a code filter holds for the code's sub-codes too).
    #[cfg(feature = "embeddings")]
    pub(crate) fn keeps(
        &self,
        codes: &[String],
        year: Option<i64>,
        kind: Option<&str>,
        lang: Option<&str>,
    ) -> bool {
        let coded_with = |code: &str| {
            codes.iter().any(|c| {
                c == code
                    || c.strip_prefix(code)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        };
        self.codes.iter().all(|c| coded_with(c))
            && !self.not_codes.iter().any(|c| coded_with(c))
            && self.years.is_none_or(|(from, to)| {
                year.is_some_and(|y| (i64::from(from)..=i64::from(to)).contains(&y))
            })
            && self.kind.as_deref().is_none_or(|k| kind == Some(k))
            && self.lang.as_deref().is_none_or(|l| lang == Some(l))
    }
}

/// One passage found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    /// The document.
    pub doc: String,
    /// The passage's number in it.
    pub passage: usize,
    /// First character of the passage in the document's stored text.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
    /// Relevance (BM25), higher first.
    pub score: f32,
    /// The passage's codes.
    pub codes: Vec<String>,
    /// The document's title.
    pub title: String,
    /// The document's year.
    pub year: Option<i64>,
    /// The passage's language.
    pub lang: Option<String>,
    /// The passage text.
    pub text: String,
    /// Byte ranges of `text` that match the query's terms.
    pub highlights: Vec<Range<usize>>,
}

impl SearchHit {
    /// The text with every highlight wrapped in `open` … `close`.
    pub fn highlighted(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut at = 0;
        for r in &self.highlights {
            out.push_str(&self.text[at..r.start]);
            out.push_str(open);
            out.push_str(&self.text[r.clone()]);
            out.push_str(close);
            at = r.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

impl Index {
    /// Runs a search; hits come ranked by score. A malformed query is an error showing the
    /// query with the fault marked.
    pub fn search(&self, search: &Search) -> Result<Vec<SearchHit>> {
        let f = &self.fields;
        let text_query: Option<Box<dyn Query>> = if search.text.trim().is_empty() {
            None
        } else {
            if let Some(at) = too_deep(&search.text) {
                return Err(query_error(
                    &search.text,
                    at,
                    &format!("parentheses and NOTs nest more than {MAX_SEARCH_NESTING} deep here"),
                ));
            }
            let (_, errors) = tantivy::query_grammar::parse_query_lenient(&search.text);
            if let Some(e) = errors.first() {
                return Err(query_error(&search.text, e.pos, &e.message));
            }
            let mut fields = vec![f.text];
            fields.extend(f.stemmed);
            let parser = QueryParser::for_index(&self.inner, fields);
            Some(
                parser
                    .parse_query(&search.text)
                    .map_err(|e| query_error(&search.text, search.text.len(), &e.to_string()))?,
            )
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        clauses.push((
            Occur::Must,
            match &text_query {
                Some(q) => q.box_clone(),
                None => Box::new(AllQuery),
            },
        ));
        let facet = |code: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_facet(f.codes, &Facet::from_path(code.split('/'))),
                IndexRecordOption::Basic,
            ))
        };
        for code in &search.codes {
            clauses.push((Occur::Must, facet(code)));
        }
        for code in &search.not_codes {
            clauses.push((Occur::MustNot, facet(code)));
        }
        if let Some((from, to)) = search.years {
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(f.year, i64::from(from))),
                    Bound::Included(Term::from_field_i64(f.year, i64::from(to))),
                )),
            ));
        }
        for (field, value) in [(f.kind, &search.kind), (f.lang, &search.lang)] {
            if let Some(v) = value {
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let reader = self
            .inner
            .reader()
            .map_err(|e| index_error(&self.path, e))?;
        let searcher = reader.searcher();
        let top = searcher
            .search(
                &query,
                &TopDocs::with_limit(search.limit.max(1)).order_by_score(),
            )
            .map_err(|e| index_error(&self.path, e))?;

        // The terms to highlight, per field: the plain words, and each language's stems.
        let mut terms: HashSet<(u32, String)> = HashSet::new();
        if let Some(q) = &text_query {
            q.query_terms(&mut |term, _| {
                if let Some(text) = term.value().as_str() {
                    terms.insert((term.field().field_id(), text.to_string()));
                }
            });
        }
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let d = Stored(self.fetch(&searcher, address)?);
            let text = d.text(f.text).unwrap_or_default();
            let lang = d.text(f.lang);
            let highlights = highlight(
                &text,
                lang.as_deref(),
                &terms,
                f.text.field_id(),
                &f.stemmed,
            );
            hits.push(SearchHit {
                doc: d.text(f.doc).unwrap_or_default(),
                passage: d.num(f.passage),
                start: d.num(f.start),
                end: d.num(f.end),
                score,
                codes: d.texts(f.code_list),
                title: d.text(f.title).unwrap_or_default(),
                year: d.year(f.year),
                lang,
                text,
                highlights,
            });
        }
        Ok(hits)
    }
}

/// Byte ranges of `text` whose words (plain, or stemmed in the passage's language) are among
/// the query's terms.
fn highlight(
    text: &str,
    lang: Option<&str>,
    terms: &HashSet<(u32, String)>,
    text_field: u32,
    stemmed: &[tantivy::schema::Field; 3],
) -> Vec<Range<usize>> {
    if terms.is_empty() {
        return Vec::new();
    }
    let stem_field = lang
        .and_then(|l| STEMMED_LANGUAGES.iter().position(|s| *s == l))
        .map(|i| {
            (
                stemmed[i].field_id(),
                Stemmer::for_lang(STEMMED_LANGUAGES[i]).expect("stemmed"),
            )
        });
    let mut plain = TextAnalyzer::from(WordTokenizer::plain());
    let mut stream = plain.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let tok = stream.token();
        let hit = terms.contains(&(text_field, tok.text.clone()))
            || stem_field.as_ref().is_some_and(|(field, stemmer)| {
                terms.contains(&(*field, stemmer.stem(&tok.text).into_owned()))
            });
        if hit {
            out.push(tok.offset_from..tok.offset_to);
        }
    }
    out
}

/// How deep parentheses and `NOT`s may nest in a search: tantivy's query parser reads them by
/// recursion, and 30,000 of them overflow the stack.
pub const MAX_SEARCH_NESTING: usize = 64;

/// The byte offset of the first `(` or `NOT` nested deeper than [`MAX_SEARCH_NESTING`], if any.
///
/// Reckoned as tantivy's grammar recurses: into each `(` (of a group or a `field:(…)`), and into
/// each `NOT` before its operand, until that operand (a word or a group) ends. The count errs
/// on the high side wherever the reading is in doubt, never the low: a `(` counts even inside
/// quotes, a `)` inside quotes does not close anything, and every unescaped `"` or `'` opens
/// or closes a quotation.
fn too_deep(query: &str) -> Option<usize> {
    // Per open parenthesis, the `NOT`s pending before it; `pending` are those of the current
    // level, which apply to the next operand.
    let mut levels: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut pending = 0;
    let mut quote: Option<char> = None;
    let mut chars = query.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' | '\'' if quote.is_none() => quote = Some(c),
            _ if Some(c) == quote => quote = None,
            '(' => {
                levels.push(pending);
                depth += 1;
                pending = 0;
                if depth > MAX_SEARCH_NESTING {
                    return Some(at);
                }
            }
            ')' if quote.is_none() => {
                depth -= pending;
                pending = 0;
                if let Some(nots) = levels.pop() {
                    // The group was the operand of the NOTs before it: they end with it.
                    depth -= 1 + nots;
                }
            }
            c if c.is_whitespace() || c == ')' => {}
            _ => {
                let mut end = at + c.len_utf8();
                while let Some(&(i, next)) = chars.peek() {
                    if next.is_whitespace() || matches!(next, '(' | ')' | '"' | '\'' | '\\') {
                        break;
                    }
                    end = i + next.len_utf8();
                    chars.next();
                }
                let word = &query[at..end];
                if word == "NOT" {
                    pending += 1;
                    depth += 1;
                    if depth > MAX_SEARCH_NESTING {
                        return Some(at);
                    }
                } else if !word.chars().all(|c| c == '+' || c == '-') {
                    // A word is the operand of the pending NOTs: they end with it.
                    depth -= pending;
                    pending = 0;
                }
            }
        }
    }
    None
}

fn query_error(query: &str, at: usize, message: &str) -> Error {
    let at = at.min(query.len());
    let mut d =
        Diagnostic::new(format!("invalid query: {message}")).with_span(query, Some(at..at + 1));
    d.path = None;
    Error::Invalid(d.to_string().replace("<input>", "query"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_reckoned_as_tantivy_recurses() {
        let limit = MAX_SEARCH_NESTING;
        let parens = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(too_deep(&parens(limit)), None);
        assert_eq!(too_deep(&parens(limit + 1)), Some(limit));
        assert_eq!(too_deep(&parens(30_000)), Some(limit));
        // Flat groups and NOTs, however many, nest nothing.
        assert_eq!(too_deep(&vec!["(a OR b)"; 1_000].join(" AND ")), None);
        assert_eq!(too_deep(&vec!["NOT a"; 1_000].join(" ")), None);
        // Chained NOTs nest, with or without groups between them.
        let nots = format!("{}a", "NOT ".repeat(limit + 1));
        assert_eq!(too_deep(&nots), Some(4 * limit));
        let mixed = "NOT (".repeat(limit);
        assert!(too_deep(&mixed).is_some());
        // An escaped parenthesis opens nothing; one inside quotes closes nothing.
        assert_eq!(too_deep(&"\\(".repeat(1_000)), None);
        assert!(too_deep(&"( \")\" ".repeat(limit + 1)).is_some());
        assert!(too_deep(&"NOT NOT (a NOT NOT (".repeat(limit)).is_some());
    }
}
