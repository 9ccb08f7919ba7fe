//! The language of a passage, among the four the codebooks are written for.
//!
//! Detection is by script and by letters unique to each language: Kazakh has ә ғ қ ң ө ұ ү һ,
//! Ukrainian ї є ґ (and і without Kazakh letters), Russian ы э ъ ё; Latin script is read as
//! English. This is exact for the monolingual paragraphs policy documents are made of, costs one
//! pass over the letters, and is what language-tagged patterns are filtered by.

/// The language of `text`: `"en"`, `"ru"`, `"kk"` or `"uk"`, or `None` when it has too few
/// letters of either script to tell.
///
/// ```
/// use thematic::lang::detect;
/// assert_eq!(detect("Brain drain is a process of mass emigration."), Some("en"));
/// assert_eq!(detect("Утечка мозгов — это процесс массовой эмиграции."), Some("ru"));
/// assert_eq!(detect("Ақыл-ой кетуі елдің болашағына қауіп төндіреді."), Some("kk"));
/// assert_eq!(detect("Відтік мізків загрожує економіці країни."), Some("uk"));
/// assert_eq!(detect("2023–2027"), None);
/// ```
pub fn detect(text: &str) -> Option<&'static str> {
    let (mut latin, mut cyrillic) = (0usize, 0usize);
    let (mut kazakh, mut ukrainian, mut ukrainian_i, mut russian) =
        (0usize, 0usize, 0usize, 0usize);
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            latin += 1;
            continue;
        }
        if c.is_ascii() {
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        match lower {
            'ә' | 'ғ' | 'қ' | 'ң' | 'ө' | 'ұ' | 'ү' | 'һ' => {
                kazakh += 1;
                cyrillic += 1;
            }
            'ї' | 'є' | 'ґ' => {
                ukrainian += 1;
                cyrillic += 1;
            }
            'і' => {
                ukrainian_i += 1;
                cyrillic += 1;
            }
            'ы' | 'э' | 'ъ' | 'ё' => {
                russian += 1;
                cyrillic += 1;
            }
            '\u{0400}'..='\u{04ff}' => cyrillic += 1,
            c if c.is_alphabetic() && (c as u32) < 0x0250 => latin += 1,
            _ => {}
        }
    }
    if latin.max(cyrillic) < 3 {
        return None;
    }
    if latin > cyrillic {
        return Some("en");
    }
    // A Kazakh letter can appear in Russian text in a name; in a longer text require a share
    // of them. Kazakh also writes both і and ы, which Ukrainian and Russian never combine.
    if kazakh >= 1 && kazakh * 100 >= cyrillic || (ukrainian_i > 0 && russian > 0 && ukrainian == 0)
    {
        Some("kk")
    } else if ukrainian > 0 || ukrainian_i > russian {
        Some("uk")
    } else {
        Some("ru")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_abstracts_are_told_apart() {
        // Sentences from the abstracts of the shipped papers.
        assert_eq!(
            detect("Мақалада зияткерлік көші-қон мәселесін теориялық зерттеу барысы талданады."),
            Some("kk")
        );
        assert_eq!(
            detect(
                "В статье анализируется ход теоретического изучения проблемы интеллектуальной миграции."
            ),
            Some("ru")
        );
        assert_eq!(
            detect(
                "Визначено сутність і зміст поняття «міграція», розглянуто джерела та види міграції."
            ),
            Some("uk")
        );
    }

    #[test]
    fn short_kazakh_sentences() {
        assert_eq!(detect("Шетелдіктерге ықтиярхат беріледі."), Some("kk"));
        assert_eq!(detect("қандастар"), Some("kk"));
        assert_eq!(detect("Україна і світ"), Some("uk"));
        // A Kazakh name in a long Russian text does not make it Kazakh.
        assert_eq!(
            detect(
                "В статье Қ. Ахметова подробно рассматриваются проблемы интеллектуальной миграции молодежи из Казахстана в Россию, Европу и США за последние десять лет."
            ),
            Some("ru")
        );
    }

    #[test]
    fn mixed_script_goes_to_the_majority() {
        assert_eq!(
            detect("The term утечка мозгов (brain drain) is used widely"),
            Some("en")
        );
    }
}
