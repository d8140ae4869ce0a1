//! Prefetching the rows of the steps to come, for the incremental solvers (SVRG, SAGA, MISO).
//!
//! Their epochs visit n rows drawn at random, so every row would start with a chain of cache misses. The draws do
//! not depend on the iterates, so an epoch draws its indices up front (in the order the loop used to draw them:
//! the same seed gives the same bits) and, at step t, asks for what step t + [`LOOKAHEAD`] will read — its row
//! (values, and column indices on CSR data) and its stored per-sample scalars — and for the row pointers of step
//! t + 2·[`LOOKAHEAD`] (on CSR data, computing a row's slices from its pointers would otherwise stall on them).
//! Prefetches are hints: they change no value. Measured effect: docs/benchmarks.md, "SVRG epoch".

use gradus_oracle::Design;
use gradus_oracle::memory::prefetch;

/// How many steps ahead a row is asked for.
pub const LOOKAHEAD: usize = 8;

/// At step `t` of an epoch whose row indices are `index(0)`, `index(1)`, …: prefetches the row of step
/// t + LOOKAHEAD and its entries of `per_sample`, and the row pointers of step t + 2·LOOKAHEAD.
#[inline]
pub fn prefetch_ahead(design: &Design, t: usize, index: impl Fn(usize) -> Option<usize>, per_sample: &[&[f64]]) {
    if let Design::Sparse(csr) = design
        && let Some(further) = index(t + 2 * LOOKAHEAD)
    {
        csr.prefetch_row_pointers(further);
    }
    let Some(i) = index(t + LOOKAHEAD) else { return };
    match design {
        Design::Dense(_) => {
            if let Some(row) = design.dense_rows(i, i + 1) {
                prefetch(row);
            }
        }
        Design::Sparse(csr) => {
            let (idx, val) = csr.row(i);
            prefetch(idx);
            prefetch(val);
        }
    }
    for values in per_sample {
        if let Some(v) = values.get(i..=i) {
            prefetch(v);
        }
    }
}
