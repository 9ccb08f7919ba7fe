//! Words as the index, keyword-in-context and proximity rules count them: runs of letters, marks
//! and digits, as Unicode word segmentation (UAX #29) takes them for the scripts of our corpora,
//! keeping an apostrophe between letters and a point or comma between digits.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The normalised form of one word: NFKC, without soft hyphens, lowercase.
pub fn normalize_word(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    if !word.contains('\u{ad}') && is_nfkc_quick(word.chars()) == IsNormalized::Yes {
        return word.to_lowercase();
    }
    word.nfkc()
        .filter(|&c| c != '\u{ad}')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Is `c` part of a word: a letter, a digit, a combining mark, or a soft hyphen or joiner
/// (which PDF extraction leaves inside words)?
fn in_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric()
        || matches!(c, '\u{ad}' | '\u{200c}' | '\u{200d}')
        || unicode_properties::UnicodeGeneralCategory::general_category_group(c)
            == unicode_properties::GeneralCategoryGroup::Mark
}

/// The words of `text` with their byte offsets: runs of letters, marks and digits, joined by
/// an apostrophe between letters (`don't`, `об’єднання`) or a point or comma between digits
/// (`3.14`, `1,000`).
pub fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, first) = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break (i, c);
            }
        };
        let mut end = text.len();
        let mut prev = first;
        while let Some(&(i, c)) = chars.peek() {
            let joins = match c {
                '\'' | '’' | 'ʼ' => prev.is_alphabetic(),
                '.' | ',' => prev.is_ascii_digit(),
                _ => false,
            };
            if in_word(c) {
                prev = c;
                chars.next();
                continue;
            }
            if joins {
                // A joiner counts only with a word character after it.
                let after = text[i + c.len_utf8()..].chars().next();
                let continues = match c {
                    '.' | ',' => after.is_some_and(|a| a.is_ascii_digit()),
                    _ => after.is_some_and(char::is_alphabetic),
                };
                if continues {
                    prev = c;
                    chars.next();
                    continue;
                }
            }
            end = i;
            break;
        }
        Some((start, &text[start..end]))
    })
}
