//! The training rows in compressed sparse form: a passage has at most a few hundred of the
//! model's features, which may number hundreds of thousands, and the solver reads every row
//! twice per iteration.

/// Rows of a sparse matrix in compressed form (CSR); column indices in each row strictly increasing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparseRows {
    /// Row `i` holds entries `indptr[i]..indptr[i + 1]` of `indices` and `values`; starts at 0.
    indptr: Vec<usize>,
    pub(super) indices: Vec<u32>,
    /// `f32` halves the memory of the largest array; the solver computes in `f64`.
    pub(super) values: Vec<f32>,
    columns: usize,
}

impl SparseRows {
    /// An empty matrix (no rows) whose rows will have `columns` columns.
    pub(crate) fn new(columns: usize) -> SparseRows {
        SparseRows {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            columns,
        }
    }

    /// Appends a row; entries sorted by column, columns < self.columns.
    ///
    /// # Panics
    ///
    /// If the columns are not strictly increasing, a column is out of range or a value is not
    /// finite. The caller builds rows from sorted term maps, so a bad row is a bug to report at
    /// once rather than to sort and merge silently; checking is one pass over the row, nothing
    /// beside a fit that reads every entry twice per iteration. The matrix is left unchanged
    /// when it panics.
    pub(crate) fn push(&mut self, entries: &[(u32, f32)]) {
        let mut previous: Option<u32> = None;
        for &(column, value) in entries {
            assert!(
                (column as usize) < self.columns,
                "column {column} out of range: the matrix has {} columns",
                self.columns
            );
            assert!(
                previous.is_none_or(|p| p < column),
                "columns of a row must be strictly increasing: {column} after {previous:?}"
            );
            assert!(value.is_finite(), "value {value} in column {column}");
            previous = Some(column);
        }
        self.indices
            .extend(entries.iter().map(|&(column, _)| column));
        self.values.extend(entries.iter().map(|&(_, value)| value));
        self.indptr.push(self.indices.len());
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns, the length of a fitted model's weights.
    pub(crate) fn columns(&self) -> usize {
        self.columns
    }

    /// Column indices and values of row `i`.
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let entries = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[entries.clone()], &self.values[entries])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_stored_as_given() {
        let mut x = SparseRows::new(10);
        x.push(&[(1, 0.5), (7, 2.0)]);
        x.push(&[]);
        assert_eq!((x.len(), x.columns()), (2, 10));
        assert_eq!(x.row(0), (&[1u32, 7][..], &[0.5f32, 2.0][..]));
        assert_eq!(x.row(1), (&[][..], &[][..]));
    }

    #[test]
    #[should_panic(expected = "strictly increasing")]
    fn unsorted_columns_are_refused() {
        SparseRows::new(10).push(&[(3, 1.0), (2, 1.0)]);
    }

    #[test]
    #[should_panic(expected = "strictly increasing")]
    fn repeated_columns_are_refused() {
        SparseRows::new(10).push(&[(3, 1.0), (3, 1.0)]);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn columns_out_of_range_are_refused() {
        SparseRows::new(3).push(&[(3, 1.0)]);
    }
}
