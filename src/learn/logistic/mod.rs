//! L2-regularised logistic regression on sparse rows.
//!
//! [`Logistic::fit`] minimises scikit-learn's objective for
//! `LogisticRegression(penalty="l2", C=c, fit_intercept=True)`:
//!
//! ```text
//! f(w, b) = C · Σᵢ sᵢ · log(1 + exp(−yᵢ (w·xᵢ + b)))  +  ½‖w‖²
//! ```
//!
//! with yᵢ = ±1, sample weights sᵢ (1, or `n / (2 · rows of yᵢ's class)` when balanced) and
//! the intercept b not penalised. The objective is convex, so any solver that gets close enough
//! to the optimum agrees with scikit-learn's `lbfgs`; this one is L-BFGS too, written here so
//! that it runs on the sparse rows directly and is bit-for-bit reproducible.
//!
//! # Cost
//!
//! An iteration makes two passes over the non-zeros — `X·p` for the search direction `p` and
//! `Xᵀr` for the gradient at the accepted point — plus O(history × columns) for the L-BFGS
//! direction. The line search itself costs O(rows) per trial: along `θ + αp` every decision
//! value moves linearly, `zᵢ(α) = zᵢ + α·(xᵢ·p)`, and ½‖w + αp‖² is a quadratic in α, so the
//! objective and its slope along the line need no pass over the matrix.
//!
//! # Determinism
//!
//! One thread, no hash maps, every sum taken in row order then column order, and no
//! randomness: the same input gives bit-identical weights.

// The solver is split along its algorithm: the rows (sparse), the function minimised
// (objective, with the loss's careful arithmetic in loss), the quasi-Newton iteration (lbfgs)
// and its step-length search (line_search), and the vector arithmetic they share (vector). The
// tests that fit whole models are in tests; each part's own tests sit beside it.
mod lbfgs;
mod line_search;
mod loss;
mod objective;
mod sparse;
#[cfg(test)]
mod tests;
mod vector;

use lbfgs::minimise;
use objective::Problem;
use vector::sparse_dot;

pub(crate) use loss::sigmoid;
pub(crate) use sparse::SparseRows;

/// What to fit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FitOptions {
    /// Inverse strength of the L2 penalty, scikit-learn's `C`: larger fits the training rows
    /// more closely. Must be positive and finite.
    pub c: f64,
    /// Weighs each row by `n / (2 · rows of its class)`, scikit-learn's
    /// `class_weight="balanced"`, so that a rare code weighs as much as its absence.
    pub balanced: bool,
    /// Cap on L-BFGS iterations; a fit that reaches it returns its last point with
    /// `converged == false`.
    pub max_iterations: usize,
    /// Stop when the gradient's largest component is at most this fraction of its largest
    /// component at the start (all zeros). Relative, so it means the same for any `C` and any
    /// number of rows. (Never below the gradient's rounding error, which no step can shrink.)
    pub tolerance: f64,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            c: 1.0,
            balanced: false,
            max_iterations: 1000,
            tolerance: 1e-8,
        }
    }
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Logistic {
    /// One weight per column.
    pub weights: Vec<f64>,
    /// Unpenalised bias b.
    pub intercept: f64,
    /// L-BFGS iterations taken (accepted steps).
    pub iterations: usize,
    /// Whether the gradient tolerance was met; false when the iteration cap was reached or no
    /// step along the best direction lowered the objective any more in `f64`.
    pub converged: bool,
}

impl Logistic {
    /// Fits the model to rows `x` labelled `positive`, starting from all zeros.
    ///
    /// When every row has the same label the objective has no minimum: the weights settle near
    /// zero but the intercept keeps running off towards ±∞ as the loss keeps shrinking. The
    /// relative tolerance then stops the fit once the fitted probabilities are within about
    /// `tolerance` of 0 or 1 (an intercept near ∓19 for the default), and `max_iterations`
    /// caps it regardless, so the model is always finite. (scikit-learn refuses such data.)
    ///
    /// # Panics
    ///
    /// If `positive` does not have one label per row, or `options.c` is not positive and finite.
    pub(crate) fn fit(x: &SparseRows, positive: &[bool], options: &FitOptions) -> Logistic {
        assert_eq!(positive.len(), x.len(), "one label per row");
        assert!(
            options.c > 0.0 && options.c.is_finite(),
            "C must be positive and finite, not {}",
            options.c
        );
        let problem = Problem::new(x, positive, options);
        let mut solution = minimise(&problem, options);
        let intercept = solution.params.pop().unwrap_or_default();
        Logistic {
            weights: solution.params,
            intercept,
            iterations: solution.iterations,
            converged: solution.converged,
        }
    }

    /// w·x + b
    ///
    /// # Panics
    ///
    /// If an index is not below the number of weights.
    pub(crate) fn decision(&self, indices: &[u32], values: &[f32]) -> f64 {
        debug_assert_eq!(indices.len(), values.len());
        self.intercept + sparse_dot(&self.weights, indices, values)
    }

    /// Probability that the row is positive: the logistic function of [`Logistic::decision`].
    pub(crate) fn probability(&self, indices: &[u32], values: &[f32]) -> f64 {
        sigmoid(self.decision(indices, values))
    }
}
