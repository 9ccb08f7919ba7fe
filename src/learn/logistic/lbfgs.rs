//! L-BFGS: the iteration, and the history of recent steps that stands in for the inverse
//! Hessian.

use std::collections::VecDeque;

use super::FitOptions;
use super::line_search::line_search;
use super::objective::{Problem, line_through};
use super::vector::{add_scaled, dot, max_abs};

/// Past steps kept to model the curvature; 10 is the usual choice (scikit-learn passes scipy's
/// default of 10 too).
const HISTORY: usize = 10;

/// What L-BFGS returns: θ and how it ended.
pub(super) struct Solution {
    pub(super) params: Vec<f64>,
    pub(super) iterations: usize,
    pub(super) converged: bool,
}

/// L-BFGS from θ = 0 until the gradient's max-norm falls to `tolerance` times its start, or to
/// the gradient's own rounding error when that is larger (a start that is already optimal up to
/// rounding, as with balanced weights and no informative column, has a gradient of pure noise
/// that no step can shrink).
pub(super) fn minimise(problem: &Problem, options: &FitOptions) -> Solution {
    let dimension = problem.dimension();
    let mut params = vec![0.0; dimension];
    let mut decisions = vec![0.0; problem.rows()];
    let mut gradient = vec![0.0; dimension];
    problem.gradient(&params, &decisions, &mut gradient);
    let threshold = (options.tolerance * max_abs(&gradient)).max(problem.gradient_rounding());

    let mut history = History::new(dimension);
    let mut direction = vec![0.0; dimension];
    let mut moves = vec![0.0; problem.rows()];
    let mut next_gradient = vec![0.0; dimension];
    let mut iterations = 0;
    let converged = loop {
        if max_abs(&gradient) <= threshold {
            break true;
        }
        if iterations == options.max_iterations {
            break false;
        }
        history.direction(&gradient, &mut direction);
        let mut slope = dot(&gradient, &direction);
        if slope >= 0.0 || slope.is_nan() {
            // Rounding can spoil the curvature model; steepest descent always goes down.
            history.clear();
            history.direction(&gradient, &mut direction);
            slope = dot(&gradient, &direction);
        }
        // X·p_w + p_b: the decision values' rate of change along the direction.
        problem.decisions(&direction, &mut moves);
        let line = line_through(problem, &params, &decisions, &direction, &moves);
        let step = line_search(
            |step| line.at(step),
            slope,
            first_step(&history, &direction),
        )
        .filter(|&step| moves_any(&params, step, &direction));
        let Some(step) = step else {
            if history.is_empty() {
                // Not even steepest descent lowers f in f64: as close as it gets.
                break false;
            }
            history.clear();
            continue;
        };
        add_scaled(&mut params, step, &direction);
        // Moved along with θ rather than recomputed, which saves a pass over the matrix; the
        // drift is a rounding error per iteration.
        add_scaled(&mut decisions, step, &moves);
        problem.gradient(&params, &decisions, &mut next_gradient);
        history.remember(step, &direction, &gradient, &next_gradient);
        std::mem::swap(&mut gradient, &mut next_gradient);
        iterations += 1;
    };
    Solution {
        params,
        iterations,
        converged,
    }
}

/// Whether θ + step·p differs from θ in f64 at all; a step too short to change θ would
/// leave the solver repeating it until the iteration cap.
fn moves_any(params: &[f64], step: f64, direction: &[f64]) -> bool {
    params
        .iter()
        .zip(direction)
        .any(|(&p, &d)| p + step * d != p)
}

/// The step to try first: L-BFGS's own scaling makes 1 right once it has history; without
/// history the direction is the raw gradient, whose length says nothing, so try a unit move.
fn first_step(history: &History, direction: &[f64]) -> f64 {
    if history.is_empty() {
        1.0 / dot(direction, direction).sqrt()
    } else {
        1.0
    }
}

/// Recent steps s = θₖ₊₁ − θₖ and gradient changes y = ∇fₖ₊₁ − ∇fₖ, oldest first, which
/// stand in for the inverse Hessian.
struct History {
    dimension: usize,
    pairs: VecDeque<Pair>,
}

/// One remembered step.
struct Pair {
    step: Vec<f64>,
    change: Vec<f64>,
    /// 1 / (sᵀy).
    rho: f64,
}

impl History {
    fn new(dimension: usize) -> History {
        History {
            dimension,
            pairs: VecDeque::with_capacity(HISTORY),
        }
    }

    fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    fn clear(&mut self) {
        self.pairs.clear();
    }

    /// Records the step `step · direction` from the point with gradient `before` to the point
    /// with gradient `after`. A pair without positive curvature (sᵀy ≤ ε·yᵀy, which only
    /// rounding can cause on a convex objective) would make the model indefinite; it is skipped.
    fn remember(&mut self, step: f64, direction: &[f64], before: &[f64], after: &[f64]) {
        let mut pair = if self.pairs.len() == HISTORY {
            self.pairs.pop_front().expect("history is full")
        } else {
            Pair {
                step: vec![0.0; self.dimension],
                change: vec![0.0; self.dimension],
                rho: 0.0,
            }
        };
        for (s, &p) in pair.step.iter_mut().zip(direction) {
            *s = step * p;
        }
        for ((y, &a), &b) in pair.change.iter_mut().zip(after).zip(before) {
            *y = a - b;
        }
        let curvature = dot(&pair.step, &pair.change);
        if curvature > f64::EPSILON * dot(&pair.change, &pair.change) {
            pair.rho = 1.0 / curvature;
            self.pairs.push_back(pair);
        }
    }

    /// Writes the search direction −H·g into `direction` by the two-loop recursion, with the
    /// initial inverse Hessian scaled by sᵀy / yᵀy of the newest pair; −g without history.
    fn direction(&self, gradient: &[f64], direction: &mut [f64]) {
        direction.copy_from_slice(gradient);
        let mut alphas = [0.0; HISTORY];
        for (pair, alpha) in self.pairs.iter().zip(&mut alphas).rev() {
            *alpha = pair.rho * dot(&pair.step, direction);
            add_scaled(direction, -*alpha, &pair.change);
        }
        if let Some(newest) = self.pairs.back() {
            let scale = 1.0 / (newest.rho * dot(&newest.change, &newest.change));
            direction.iter_mut().for_each(|d| *d *= scale);
        }
        for (pair, alpha) in self.pairs.iter().zip(&alphas) {
            let beta = pair.rho * dot(&pair.change, direction);
            add_scaled(direction, alpha - beta, &pair.step);
        }
        direction.iter_mut().for_each(|d| *d = -*d);
    }
}
