//! Bare page numbers, in the styles of the corpus's languages, removed at the edges of pages
//! even where they do not recur in the same form.

/// A line's shape, for recognising running headers, footers and page numbers: lowercase, digits
/// as `#`.
pub(super) fn shape(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Is the line only a page number ("12", "- 12 -", "12 / 40", "Page 12", "Стр. 12", "xii")?
/// Numbers of four digits are years ("2023–2027"), not page numbers.
pub(super) fn is_page_number(line: &str) -> bool {
    let shape = shape(line);
    if is_roman(&shape) {
        return true;
    }
    if shape.is_empty()
        || shape.chars().count() > 24
        || !shape.contains('#')
        || shape.contains("####")
    {
        return false;
    }
    let rest = [
        "page",
        "p.",
        "стр.",
        "страница",
        "с.",
        "сторінка",
        "бет",
        "of",
        "из",
        "з",
    ]
    .iter()
    .fold(shape, |s, word| s.replace(word, ""));
    rest.chars()
        .all(|c| c == '#' || c.is_whitespace() || "-–—/|.()[]".contains(c))
}

fn is_roman(s: &str) -> bool {
    !s.is_empty() && s.len() <= 6 && s.chars().all(|c| "ivxlc".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_recognised_in_several_styles() {
        for line in [
            "12",
            "- 12 -",
            "12 / 40",
            "Page 12",
            "Стр. 12",
            "xii",
            "Page 3 of 10",
        ] {
            assert!(is_page_number(line), "{line}");
        }
        for line in ["2023-2027", "2023", "Table 12", "In 2012 the", ""] {
            assert!(!is_page_number(line), "{line}");
        }
    }
}
