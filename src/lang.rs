//! The language of a passage, among the four the codebooks are written for.
//!
//! Letters unique to a language decide first, at the cost of one pass over the text: Kazakh has
//! ә ғ қ ң ө ұ ү һ (and writes both і and ы), Ukrainian ї є ґ (and і), Russian ы э ъ ё; Latin
//! script is read as English. Cyrillic text with none of these letters (short phrases, mostly)
//! goes to the lingua detector restricted to the four languages, which was right on every
//! sample of the shipped papers (whatlang, by comparison, takes Kazakh for Belarusian); without
//! the feature `lang-detect` such text is taken as Russian.
//!
//! Kazakh is also written in Latin letters (the 2018 alphabet's á ǵ ı ń ó ú ý, the 2021
//! alphabet's ä ğ ñ ö ü ū ş, and `q` everywhere): Latin text with enough of these letters, or of
//! Kazakh's commonest words, is Kazakh, not English.

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
    // Every passage is asked, so the common case is decided from the bytes alone: with no
    // Cyrillic letter (their UTF-8 lead bytes are 0xD0 to 0xD3, found by memchr's vector
    // search) and three ASCII letters, the full count below can only say English.
    let bytes = text.as_bytes();
    let cyrillic_free =
        memchr::memchr3(0xD0, 0xD1, 0xD2, bytes).is_none() && memchr::memchr(0xD3, bytes).is_none();
    if cyrillic_free
        && bytes
            .iter()
            .filter(|b| b.is_ascii_alphabetic())
            .take(3)
            .count()
            == 3
    {
        return Some(if latin_kazakh(text) { "kk" } else { "en" });
    }
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
        return Some(if latin_kazakh(text) { "kk" } else { "en" });
    }
    if kazakh + ukrainian + ukrainian_i + russian == 0 {
        return undecided(text, kazakh, cyrillic);
    }
    // A Kazakh letter can appear in Russian text in a name, so one alone is weak evidence.
    // Kazakh also writes both і and ы, which Ukrainian and Russian never combine.
    if kazakh >= 2 && kazakh * 100 >= cyrillic || (ukrainian_i > 0 && russian > 0 && ukrainian == 0)
    {
        Some("kk")
    } else if kazakh == 1 {
        undecided(text, kazakh, cyrillic)
    } else if ukrainian > 0 || ukrainian_i > russian {
        Some("uk")
    } else {
        Some("ru")
    }
}

/// Is Latin-script text Kazakh? Kazakh's own Latin letters, `q` not before `u`, and its
/// commonest words, against the number of letters. English has none of the letters and few of
/// the words; the test is a byte scan for text with neither.
fn latin_kazakh(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Kazakh's Latin letters are two bytes led by 0xC3 to 0xC7; `q` is ASCII.
    if !bytes
        .iter()
        .any(|&b| matches!(b, 0xC3..=0xC7 | b'q' | b'Q'))
    {
        return false;
    }
    let (mut letters, mut signals) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_alphabetic() {
            continue;
        }
        letters += 1;
        let lower = if c.is_ascii() {
            c.to_ascii_lowercase()
        } else {
            c.to_lowercase().next().unwrap_or(c)
        };
        match lower {
            'á' | 'ǵ' | 'ı' | 'ń' | 'ó' | 'ú' | 'ý' | 'ä' | 'ğ' | 'ñ' | 'ö' | 'ü' | 'ū' | 'ş' => {
                signals += 1
            }
            'q' if !chars.peek().is_some_and(|n| matches!(n, 'u' | 'U')) => signals += 1,
            _ => {}
        }
    }
    const WORDS: [&str; 16] = [
        "jáne",
        "jane",
        "úshin",
        "ushin",
        "boıynsha",
        "boiynsha",
        "qazaqstan",
        "bolyp",
        "degen",
        "týraly",
        "turaly",
        "bilim",
        "elimiz",
        "sondaı",
        "kerek",
        "jyly",
    ];
    signals += text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| lowercase_in(w, &WORDS))
        .count()
        * 3;
    signals >= 3 && signals * 30 >= letters
}

/// Is `word`, lowercased, one of `words` (lowercase words)? Every passage of Latin text with a
/// `q` asks this of each of its words: compared as they are, without lowercasing the word into
/// a new string. (`str::to_lowercase` differs from lowercasing each character only for a final
/// capital sigma, which none of `words` has.)
fn lowercase_in(word: &str, words: &[&str]) -> bool {
    if word.is_ascii() {
        // ASCII lowercases to ASCII of the same length.
        return words.iter().any(|k| word.eq_ignore_ascii_case(k));
    }
    words
        .iter()
        .any(|k| word.chars().flat_map(char::to_lowercase).eq(k.chars()))
}

/// The four languages by lingua, for Cyrillic text the letters cannot tell apart (none of the
/// letters unique to one language, or a single Kazakh one among `cyrillic` letters).
#[cfg(feature = "lang-detect")]
fn undecided(text: &str, _kazakh: usize, _cyrillic: usize) -> Option<&'static str> {
    use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
    static DETECTOR: std::sync::OnceLock<LanguageDetector> = std::sync::OnceLock::new();
    let detector = DETECTOR.get_or_init(|| {
        LanguageDetectorBuilder::from_languages(&[
            Language::English,
            Language::Russian,
            Language::Kazakh,
            Language::Ukrainian,
        ])
        .build()
    });
    match detector.detect_language_of(text)? {
        Language::English => Some("en"),
        Language::Russian => Some("ru"),
        Language::Kazakh => Some("kk"),
        Language::Ukrainian => Some("uk"),
    }
}

/// Without lingua (feature `lang-detect`): a single Kazakh letter in a short phrase (`ақыл-ой
/// кет*`, `қандастар`) makes it Kazakh, in a longer text it is a name in Russian; Cyrillic with
/// no telling letter at all is taken as Russian, by far the commonest such text in the corpora.
#[cfg(not(feature = "lang-detect"))]
fn undecided(_text: &str, kazakh: usize, cyrillic: usize) -> Option<&'static str> {
    Some(if kazakh == 1 && cyrillic < 20 {
        "kk"
    } else {
        "ru"
    })
}

/// A passage's language as a small number (0: none), for compact per-passage storage.
pub fn code(lang: Option<&str>) -> u8 {
    match lang {
        Some("en") => 1,
        Some("ru") => 2,
        Some("kk") => 3,
        Some("uk") => 4,
        _ => 0,
    }
}

/// The language a tag names, if thematic knows it (`"kk"` → `Some("kk")`, `"de"` → `None`).
pub fn parse(tag: &str) -> Option<&'static str> {
    from_code(code(Some(tag)))
}

/// The language a [`code`] stands for.
pub fn from_code(code: u8) -> Option<&'static str> {
    match code {
        1 => Some("en"),
        2 => Some("ru"),
        3 => Some("kk"),
        4 => Some("uk"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_tags_parse() {
        for tag in ["en", "ru", "kk", "uk"] {
            assert_eq!(parse(tag), Some(tag));
        }
        for tag in ["de", "", "EN", "kaz"] {
            assert_eq!(parse(tag), None, "{tag}");
        }
    }

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
    fn letterless_cyrillic_is_russian() {
        // No letter unique to one language: "миграция" is Russian, "міграція" would have і.
        assert_eq!(detect("миграция молодежи"), Some("ru"));
        assert_eq!(detect("Миграция Казахстана"), Some("ru"));
        assert_eq!(code(Some("kk")), 3);
        assert_eq!(from_code(code(Some("uk"))), Some("uk"));
    }

    #[test]
    fn mixed_script_goes_to_the_majority() {
        assert_eq!(
            detect("The term утечка мозгов (brain drain) is used widely"),
            Some("en")
        );
    }

    #[test]
    fn latin_script_kazakh() {
        // The 2018 alphabet, the 2021 alphabet and informal ASCII.
        assert_eq!(
            detect("Qazaqstan shetelde júrgen ǵalymdardy elge qaıtarýdy josparlap otyr."),
            Some("kk")
        );
        assert_eq!(
            detect("Bolashaq baǵdarlamasy boıynsha 300-den astam jas shetelde bilim alady."),
            Some("kk")
        );
        assert_eq!(
            detect("Qazaqstan jastary shetelde bilim alu ushin Reseige ketedi"),
            Some("kk")
        );
        for english in [
            "Qatar and Iraq signed a quick agreement on the quota of foreign specialists.",
            "The Bolashaq scholarship sends Kazakhstani students abroad.",
            "Café owners in Zürich hire foreign workers.",
        ] {
            assert_eq!(detect(english), Some("en"), "{english}");
        }
    }

    #[test]
    fn ascii_passages_need_three_letters() {
        assert_eq!(detect("Brain drain in 2023."), Some("en"));
        assert_eq!(detect("ab 12 34"), None);
        assert_eq!(detect("abc"), Some("en"));
        assert_eq!(detect("2023-2027 (12)"), None);
        // Latin letters outside ASCII count too, through the full count.
        assert_eq!(detect("ab é"), Some("en"));
        assert_eq!(detect("Brain drain — “утечка”"), Some("en"));
    }
}
