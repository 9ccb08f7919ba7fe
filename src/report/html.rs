//! Text as the page shows it: escaped for HTML and SVG, cut to fit, and numbers formatted.

use std::borrow::Cow;
use std::fmt;

/// Text made safe inside HTML elements, attributes and SVG: `& < > " '` become character
/// references, and control characters other than tab and line feed, which HTML forbids,
/// become spaces.
pub(super) struct Escaped<'s>(pub(super) &'s str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut plain = 0;
        for (i, c) in self.0.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' => continue,
                c if c.is_control() => " ",
                _ => continue,
            };
            f.write_str(&self.0[plain..i])?;
            f.write_str(replacement)?;
            plain = i + c.len_utf8();
        }
        f.write_str(&self.0[plain..])
    }
}

#[cfg(test)]
fn escape(text: &str) -> String {
    Escaped(text).to_string()
}

/// At most `max` characters of `text`, ending in `…` when cut.
pub(super) fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((cut, _)) if text.chars().count() > max => {
            Cow::Owned(format!("{}…", text[..cut].trim_end()))
        }
        _ => Cow::Borrowed(text),
    }
}

pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `12,345`.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(d);
    }
    grouped
}

/// A share as a percentage with one decimal: `13.8%`.
pub(super) fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// An axis share as a percentage with no more decimals than it needs: `5%`, `2.5%`.
pub(super) fn percent_rounded(share: f64) -> String {
    let p = 100.0 * share;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{c}b\u{0}c\td\ne"), "a b c\td\ne");
        assert_eq!(escape("Утечка мозгов"), "Утечка мозгов");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn small_helpers() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(truncate("Brain drain", 5), "Brai…");
        assert_eq!(truncate("Утечка", 6), "Утечка");
        assert_eq!(percent_rounded(0.05), "5%");
        assert_eq!(capitalised("paragraphs"), "Paragraphs");
    }
}
