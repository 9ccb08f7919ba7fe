//! A passage's meaning as features of a model: its multilingual embedding, one feature per
//! dimension (`e5:000` … `e5:383`), the block at unit length times a weight.
//!
//! Words and n-grams are a language's own; the embedding is shared by the languages the encoder
//! knows, so a model trained on English and Russian passages can recognise a theme in a Kazakh
//! one. The encoder is behind [`PassageEncoder`] so that training and tests can use another.

use std::sync::Arc;

use super::features::{MEANING_PREFIX, NameHash};
use crate::error::Result;

/// Something that turns passages into fixed-length vectors of unit length: the multilingual
/// encoder of [`embed`](crate::embed) (feature `embeddings`), or your own.
pub trait PassageEncoder: Send + Sync + std::fmt::Debug {
    /// Its name, recorded in a model trained with it: a model is applied only with the
    /// encoder it was trained with.
    fn name(&self) -> &str;
    /// The number of numbers in each vector.
    fn dimensions(&self) -> usize;
    /// One vector per text, in order.
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
}

#[cfg(feature = "embeddings")]
impl PassageEncoder for crate::embed::Embedder {
    fn name(&self) -> &str {
        crate::embed::ENCODER
    }

    fn dimensions(&self) -> usize {
        crate::embed::DIMENSIONS
    }

    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(self
            .passages(texts)?
            .into_iter()
            .map(|e| e.values().to_vec())
            .collect())
    }
}

/// The encoder a model trained with `name` needs, loaded: the multilingual encoder where it is
/// the one named and this build has it.
pub(crate) fn encoder_named(name: &str) -> std::result::Result<Arc<dyn PassageEncoder>, String> {
    #[cfg(feature = "embeddings")]
    {
        if name == crate::embed::ENCODER {
            return crate::embed::Embedder::open()
                .map(|e| Arc::new(e) as Arc<dyn PassageEncoder>)
                .map_err(|e| format!("it reads the passages' meaning through {name}: {e}"));
        }
    }
    Err(format!(
        "it reads the passages' meaning through the encoder {name:?}, which this build of thematic does not have{}",
        if cfg!(feature = "embeddings") {
            ""
        } else {
            " (it was built without the `embeddings` feature)"
        }
    ))
}

/// The name of the meaning feature of dimension `d`.
pub(crate) fn feature_name(d: usize) -> String {
    format!("{MEANING_PREFIX}{d:03}")
}

/// Where each dimension's feature sits in a vocabulary, and the block's weight.
#[derive(Debug, Clone, Default)]
pub(crate) struct MeaningColumns {
    columns: Vec<u32>,
    weight: f32,
}

impl MeaningColumns {
    /// The columns of the `dimensions` meaning features in a vocabulary, found by `lookup`;
    /// empty where the vocabulary has none.
    pub(crate) fn new(
        dimensions: usize,
        weight: f32,
        lookup: impl Fn(u64) -> Option<u32>,
    ) -> MeaningColumns {
        let columns: Option<Vec<u32>> = (0..dimensions)
            .map(|d| lookup(NameHash::of(&feature_name(d))))
            .collect();
        MeaningColumns {
            columns: columns.unwrap_or_default(),
            weight,
        }
    }

    /// Whether the vocabulary has meaning features.
    pub(crate) fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Adds a passage's vector to its feature vector `x` (whose columns stay increasing). A
    /// vector of another length adds nothing.
    pub(crate) fn add(&self, x: &mut Vec<(u32, f32)>, vector: &[f32]) {
        if self.columns.is_empty() || vector.len() != self.columns.len() {
            return;
        }
        let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return;
        }
        let scale = self.weight / norm;
        x.extend(
            self.columns
                .iter()
                .zip(vector)
                .map(|(&c, &v)| (c, v * scale)),
        );
        x.sort_unstable_by_key(|&(c, _)| c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meaning_features_join_a_vector_in_column_order_at_the_weight_asked() {
        let names: Vec<String> = (0..3).map(feature_name).collect();
        assert_eq!(names, ["e5:000", "e5:001", "e5:002"]);
        let lookup = |h: u64| {
            names
                .iter()
                .position(|n| NameHash::of(n) == h)
                .map(|i| 10 - 4 * i as u32)
        };
        let columns = MeaningColumns::new(3, 2.0, lookup);
        let mut x = vec![(0, 1.0), (5, 0.5), (20, 1.0)];
        columns.add(&mut x, &[3.0, 0.0, 4.0]);
        assert_eq!(
            x,
            [(0, 1.0), (2, 1.6), (5, 0.5), (6, 0.0), (10, 1.2), (20, 1.0)]
        );
        let before = x.clone();
        columns.add(&mut x, &[1.0]);
        assert_eq!(x, before, "a vector of another length adds nothing");
        assert!(MeaningColumns::new(3, 1.0, |_| None).is_empty());
    }
}
