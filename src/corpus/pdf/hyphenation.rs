//! Joining the lines of a paragraph, undoing the layout's hyphenation: a line-end hyphen goes
//! unless the document spells the word with one elsewhere, the next line starts with a capital
//! ("Nur-Sultan") or a conjunction follows ("pre- and post-war").

/// Words that follow a hyphen kept at a line end in "pre- and post-war": a coordinated compound,
/// not a hyphenated word.
const CONJUNCTIONS: &[&str] = &[
    "and", "or", "to", "nor", "и", "или", "та", "і", "й", "чи", "або", "және", "мен", "не",
];

/// The lowercase words of the document that are not split at a line end, hyphenated ones
/// included, to tell "interna-tional" (join) from "state-funded" (keep the hyphen).
pub(super) fn vocabulary(pages: &[Vec<String>]) -> std::collections::HashSet<String> {
    let mut words = std::collections::HashSet::new();
    for line in pages.iter().flatten() {
        let mut tokens = line.split(' ').peekable();
        while let Some(token) = tokens.next() {
            let word = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
            if tokens.peek().is_none() && word.ends_with('-') {
                continue;
            }
            if !word.is_empty() {
                words.insert(word.to_lowercase());
            }
        }
    }
    words
}

/// How two lines of a paragraph are joined.
pub(super) enum Join {
    /// With a space.
    Space,
    /// Dropping the line-end hyphen: a word hyphenated by the layout.
    Dehyphenate,
    /// Keeping the hyphen, without a space: a compound split after its hyphen.
    Direct,
}

pub(super) fn join_pair(
    before: &str,
    after: &str,
    vocabulary: &std::collections::HashSet<String>,
) -> Join {
    let Some(stem) = before.strip_suffix('-') else {
        return Join::Space;
    };
    let last = stem.rsplit(' ').next().unwrap_or("");
    let last_word = last.trim_start_matches(|c: char| !c.is_alphanumeric());
    if !stem.chars().next_back().is_some_and(char::is_alphabetic) || last_word.is_empty() {
        return Join::Space;
    }
    let next = after.split(' ').next().unwrap_or("");
    let next_word = next.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '-');
    if CONJUNCTIONS.contains(&next_word.to_lowercase().as_str()) {
        return Join::Space;
    }
    if !next_word.chars().next().is_some_and(char::is_lowercase) {
        return Join::Direct;
    }
    let hyphenated = format!("{last_word}-{next_word}").to_lowercase();
    let joined = format!("{last_word}{next_word}").to_lowercase();
    if vocabulary.contains(&hyphenated) && !vocabulary.contains(&joined) {
        Join::Direct
    } else {
        Join::Dehyphenate
    }
}

/// The paragraphs of a page (runs of non-blank lines), each joined into one line.
pub(super) fn paragraphs(
    lines: &[String],
    vocabulary: &std::collections::HashSet<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if current.is_empty() {
            current.push_str(line);
            continue;
        }
        match join_pair(&current, line, vocabulary) {
            Join::Space => current.push(' '),
            Join::Dehyphenate => {
                current.pop();
            }
            Join::Direct => {}
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::corpus::pdf::assemble;

    #[test]
    fn hyphenation_is_undone_unless_the_document_spells_the_word_with_a_hyphen() {
        let page = "The state-\nfunded scheme and interna-\ntional students, state-funded again.\n\nNur-\nSultan and pre-\nand post-war.".to_string();
        let (text, _) = assemble(vec![page]);
        assert_eq!(
            text,
            "The state-funded scheme and international students, state-funded again.\n\nNur-Sultan and pre- and post-war.\n"
        );
    }
}
