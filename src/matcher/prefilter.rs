//! Literal prefilters for regexes.
//!
//! A codebook's regexes are often context rules (`\bcurb\w*\s+(?:the\s+)?brain\s+drain`) that
//! run the slow engines: Unicode `\b` keeps the regex crate's lazy DFA off any passage with a
//! non-ASCII character. Running every such regex on every passage costs more than all the
//! phrases together. But most regexes cannot match without one of a few literals: every match of
//! the one above starts with `curb`. Those literals join the automaton; a regex runs only on the
//! passages where one of its literals occurred.

use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::fold::fold_str;

/// The shortest literal worth prefiltering on; shorter ones occur nearly everywhere.
const MIN_LITERAL_CHARS: usize = 3;

/// The literals a regex waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchors {
    /// Folded literals, one of which occurs in every match.
    pub literals: Vec<String>,
    /// Every match begins with one of them (else: ends with one).
    pub prefix: bool,
}

/// Folded literals one of which occurs (case-insensitively, whitespace runs as one space) in the
/// folded text of every passage `regex` matches, or `None` when no useful set exists.
///
/// Every match of a regex begins with one of its prefix literals, or ends with one of its suffix
/// literals, when the extractor finds a finite set. Prefixes are preferred whenever their
/// shortest literal is long enough: a match can then be looked for right where its literal
/// occurs, an anchored search that costs the length of the match; a suffix only says which
/// passages to scan.
pub fn regex_anchors(regex: &str) -> Option<Anchors> {
    // Parse as written (not case-insensitively) so literals are not expanded into case variants;
    // they are folded below, as the passage text is.
    let hir = regex_syntax::ParserBuilder::new()
        .multi_line(true)
        .build()
        .parse(regex)
        .ok()?;
    let mut best: Option<(usize, Anchors)> = None;
    for prefix in [true, false] {
        let mut extractor = Extractor::new();
        extractor
            .kind(if prefix {
                ExtractKind::Prefix
            } else {
                ExtractKind::Suffix
            })
            .limit_class(16)
            .limit_repeat(16)
            .limit_literal_len(64)
            .limit_total(128);
        let seq = extractor.extract(&hir);
        let Some(literals) = seq.literals() else {
            continue;
        };
        if literals.is_empty() {
            continue;
        }
        let mut folded = Vec::with_capacity(literals.len());
        for lit in literals {
            let text = valid_utf8(lit.as_bytes(), prefix)?;
            folded.push(fold_str(text));
        }
        folded.sort();
        folded.dedup();
        let shortest = folded.iter().map(|l| l.chars().count()).min().unwrap_or(0);
        if shortest >= MIN_LITERAL_CHARS && best.is_none() {
            best = Some((
                shortest,
                Anchors {
                    literals: folded,
                    prefix,
                },
            ));
        }
    }
    best.map(|(_, anchors)| anchors)
}

/// The longest valid UTF-8 prefix (or suffix) of a literal the extractor may have cut inside a
/// character: a shorter prefix of a required prefix is still required.
fn valid_utf8(bytes: &[u8], prefix: bool) -> Option<&str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s);
    }
    if prefix {
        let valid = std::str::from_utf8(bytes).err()?.valid_up_to();
        std::str::from_utf8(&bytes[..valid]).ok()
    } else {
        (0..bytes.len()).find_map(|i| std::str::from_utf8(&bytes[i..]).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_rules_get_their_leading_words() {
        let a = regex_anchors(r"\b(?:curb\w*|prevent\w*)\s+\w+").unwrap();
        assert_eq!(
            (a.literals.as_slice(), a.prefix),
            (["curb".to_string(), "prevent".to_string()].as_slice(), true)
        );
        // A usable prefix wins over a longer suffix; a suffix serves when prefixes are short.
        let a = regex_anchors(r"\b(?:curb|stop)\w*\s+brain\s+drain").unwrap();
        assert_eq!(
            (a.literals.as_slice(), a.prefix),
            (["curb".to_string(), "stop".to_string()].as_slice(), true)
        );
        let a = regex_anchors(r"\b(?:up|to)\w*\s+brain\s+drain").unwrap();
        assert_eq!(
            (a.literals.as_slice(), a.prefix),
            (["drain".to_string()].as_slice(), false)
        );
        assert_eq!(
            regex_anchors(r"Bolashak\s+(?:programme|scheme)")
                .unwrap()
                .literals,
            ["bolashak"]
        );
        assert_eq!(
            regex_anchors(r"отток\w*\s+специалист").unwrap().literals,
            ["отток"]
        );
    }

    #[test]
    fn suffixes_serve_when_prefixes_are_weak() {
        assert_eq!(
            regex_anchors(r"\w+\s+diaspora").unwrap().literals,
            ["diaspora"]
        );
    }

    #[test]
    fn no_prefilter_without_a_required_literal() {
        assert_eq!(regex_anchors(r"^\s*\d+\.\s"), None);
        assert_eq!(regex_anchors(r"(?:a|bc)\w+"), None);
        assert_eq!(regex_anchors(r"\w+"), None);
    }
}
