//! Integration tests, in one binary (each extra test binary would re-link every dependency).
//!
//! They run on the shipped corpus and codebook, through the library and the `thematic` binary.

mod agreement;
mod analysis;
mod cli;
#[cfg(feature = "embeddings")]
mod embed;
mod hostile_parsers;
mod hostile_runs;
mod index;
mod ingest;
mod learn;
mod properties;
mod python;
mod refi;
mod report;
mod robustness;
mod shipped;
mod support;
mod validity;
