//! Vector arithmetic, every sum taken in index order so that a fit is bit-for-bit reproducible.

/// Splits θ into the weights and the intercept (the last component).
pub(super) fn split_intercept(params: &[f64]) -> (&[f64], f64) {
    let (intercept, weights) = params.split_last().expect("θ holds the intercept");
    (weights, *intercept)
}

/// w·x for a sparse x, summed in column order.
pub(super) fn sparse_dot(weights: &[f64], indices: &[u32], values: &[f32]) -> f64 {
    indices
        .iter()
        .zip(values)
        .map(|(&column, &value)| weights[column as usize] * f64::from(value))
        .sum()
}

pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// y += a·x
pub(super) fn add_scaled(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

pub(super) fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}
