//! The first repair phase, one page at a time: ligatures and spaces as the text means them, not
//! as the layout drew them.

use crate::corpus::normalize;

/// One page's lines: ligatures expanded, soft hyphens and control characters dropped, NFC,
/// runs of whitespace collapsed, trimmed.
pub(super) fn clean_lines(page: &str) -> Vec<String> {
    // The ligatures are expanded one by one rather than by NFKC, which would also turn
    // superscript footnote markers into digits glued to the word ("migration¹" becoming
    // "migration1", a word no pattern matches) and "№" into "No".
    let mut expanded = String::with_capacity(page.len());
    for c in page.chars() {
        match c {
            '\u{fb00}' => expanded.push_str("ff"),
            '\u{fb01}' => expanded.push_str("fi"),
            '\u{fb02}' => expanded.push_str("fl"),
            '\u{fb03}' => expanded.push_str("ffi"),
            '\u{fb04}' => expanded.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => expanded.push_str("st"),
            '\u{ad}' => {}
            '\r' | '\u{b}' | '\u{c}' => expanded.push('\n'),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => expanded.push(c),
        }
    }
    normalize(expanded)
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::corpus::pdf::assemble;

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    #[test]
    fn ligatures_spaces_and_soft_hyphens_are_cleaned() {
        let (text, _) = assemble(vec![
            "The \u{fb01}eld   of  e\u{ad}migra\u{ad}tion\u{fb02}ows.".to_string(),
        ]);
        assert_eq!(words(&text), ["The", "field", "of", "emigrationflows."]);
    }
}
