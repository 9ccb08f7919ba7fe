//! The function minimised: the weighted logistic loss plus the L2 penalty, its gradient, and its
//! restriction to a search line, which costs O(rows) per evaluation instead of a pass over the
//! matrix.

use super::line_search::Sample;
use super::loss::{loss_change, sigmoid};
use super::vector::{dot, sparse_dot, split_intercept};
use super::{FitOptions, SparseRows};

/// The training set as the solver reads it.
///
/// Parameters θ are one vector: the weights, then the intercept at index `columns`, so that
/// L-BFGS treats them alike.
pub(super) struct Problem<'a> {
    x: &'a SparseRows,
    /// yᵢ: +1 for a positive row, −1 for a negative one.
    signs: Vec<f64>,
    /// C·sᵢ: how much row i's loss weighs against the penalty.
    costs: Vec<f64>,
}

impl<'a> Problem<'a> {
    pub(super) fn new(x: &'a SparseRows, positive: &[bool], options: &FitOptions) -> Problem<'a> {
        let signs = positive
            .iter()
            .map(|&p| if p { 1.0 } else { -1.0 })
            .collect();
        let [negative_weight, positive_weight] = if options.balanced {
            balanced_class_weights(positive)
        } else {
            [1.0, 1.0]
        };
        let costs = positive
            .iter()
            .map(|&p| options.c * if p { positive_weight } else { negative_weight })
            .collect();
        Problem { x, signs, costs }
    }

    pub(super) fn rows(&self) -> usize {
        self.x.len()
    }

    /// Length of θ: the weights and the intercept.
    pub(super) fn dimension(&self) -> usize {
        self.x.columns() + 1
    }

    /// Writes X·w + b for θ = (w, b) into `out`, one value per row.
    pub(super) fn decisions(&self, params: &[f64], out: &mut [f64]) {
        let (weights, intercept) = split_intercept(params);
        for (i, decision) in out.iter_mut().enumerate() {
            let (indices, values) = self.x.row(i);
            *decision = intercept + sparse_dot(weights, indices, values);
        }
    }

    /// Writes ∇f(θ) into `gradient`, given the rows' decision values at θ.
    pub(super) fn gradient(&self, params: &[f64], decisions: &[f64], gradient: &mut [f64]) {
        let columns = self.x.columns();
        let (weights, _) = split_intercept(params);
        gradient[..columns].copy_from_slice(weights);
        gradient[columns] = 0.0;
        for (i, &decision) in decisions.iter().enumerate() {
            let slope = self.loss_slope(i, decision);
            let (indices, values) = self.x.row(i);
            for (&column, &value) in indices.iter().zip(values) {
                gradient[column as usize] += slope * f64::from(value);
            }
            gradient[columns] += slope;
        }
    }

    /// Rounding error to expect in a gradient component: every row adds at most C·sᵢ·|xᵢⱼ| to
    /// component j and C·sᵢ to the intercept's, each sum rounded at every addition.
    pub(super) fn gradient_rounding(&self) -> f64 {
        let largest_value = self
            .x
            .values
            .iter()
            .fold(1.0f64, |m, &v| m.max(f64::from(v.abs())));
        let total_cost: f64 = self.costs.iter().sum();
        f64::EPSILON * total_cost * largest_value
    }

    /// Derivative of row i's weighted loss C·sᵢ·log(1 + exp(−yᵢzᵢ)) with respect to zᵢ.
    fn loss_slope(&self, i: usize, decision: f64) -> f64 {
        let sign = self.signs[i];
        -self.costs[i] * sign * sigmoid(-sign * decision)
    }
}

/// scikit-learn's `class_weight="balanced"`, `n / (2 · rows of the class)`, for
/// [negative, positive]. A class without rows gets weight 0, which no row uses.
fn balanced_class_weights(positive: &[bool]) -> [f64; 2] {
    let rows = positive.len() as f64;
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    let weight = |count: f64| {
        if count > 0.0 {
            rows / (2.0 * count)
        } else {
            0.0
        }
    };
    [weight(rows - positives), weight(positives)]
}

/// The objective along one search line, φ(α) = f(θ + αp), in a form that costs O(rows).
pub(super) struct Line<'p, 'a> {
    problem: &'p Problem<'a>,
    /// zᵢ at θ.
    decisions: &'p [f64],
    /// xᵢ·p_w + p_b: how fast each decision value moves along the line.
    moves: &'p [f64],
    /// w·p_w, for the penalty's change (the intercept is not penalised).
    weights_dot_direction: f64,
    /// p_w·p_w.
    direction_norm_squared: f64,
}

impl Line<'_, '_> {
    /// φ(step) − φ(0) and φ'(step), in one pass over the rows.
    pub(super) fn at(&self, step: f64) -> Sample {
        let mut value =
            step * self.weights_dot_direction + 0.5 * step * step * self.direction_norm_squared;
        let mut slope = self.weights_dot_direction + step * self.direction_norm_squared;
        let problem = self.problem;
        for (i, (&decision, &moves)) in self.decisions.iter().zip(self.moves).enumerate() {
            let sign = problem.signs[i];
            let margin = sign * decision;
            let shift = step * sign * moves;
            value += problem.costs[i] * loss_change(margin, shift);
            slope += problem.loss_slope(i, decision + step * moves) * moves;
        }
        Sample { step, value, slope }
    }
}

/// The line θ + αp, with the penalty's pieces computed once.
pub(super) fn line_through<'p, 'a>(
    problem: &'p Problem<'a>,
    params: &[f64],
    decisions: &'p [f64],
    direction: &[f64],
    moves: &'p [f64],
) -> Line<'p, 'a> {
    let (weights, _) = split_intercept(params);
    let (direction_weights, _) = split_intercept(direction);
    Line {
        problem,
        decisions,
        moves,
        weights_dot_direction: dot(weights, direction_weights),
        direction_norm_squared: dot(direction_weights, direction_weights),
    }
}
