//! Prefetching the rows of the steps to come, for the incremental solvers (SVRG, SAGA, MISO).
//!
//! Their epochs visit n rows drawn at random, so every row would start with a chain of cache misses. The draws do
//! not depend on the iterates, so an epoch draws its indices up front (in the order the loop used to draw them:
//! the same seed gives the same bits) and, at step t, asks for what step t + [`LOOKAHEAD`] will read — its row
//! (values, and column indices on CSR data) and its stored per-sample scalars — and for the row pointers of step
//! t + 2·[`LOOKAHEAD`] (on CSR data, computing a row's slices from its pointers would otherwise stall on them).
//!
//! In storage order ([`crate::Sampling::Cyclic`]) the hardware prefetcher streams most of it. There only the
//! dense row of step t + [`STREAM_LOOKAHEAD`] is asked for (a 1.6 kB row crosses a 4 KiB page every 2.5 rows,
//! where the hardware stream stops); CSR rows, row pointers and the per-sample scalars are left to the hardware.
//! Measured on the bench data of docs/benchmarks.md ("SVRG epoch"), one epoch on the rows shuffled once, one
//! thread, median of 9 (none / the random-order scheme / this one):
//!
//! | epoch | dense 100000 × 200 | sparse 50000 × 20000 |
//! |---|---|---|
//! | SVRG | 40.6–42.1 / 35.4–35.7 / 34.5–35.2 ms | 8.6 / 9.1 / 8.5 ms |
//! | SAGA | 27.8–28.0 / 22.3–23.1 / 21.7–23.6 ms | 9.0 / 9.5 / 8.7 ms |
//! | MISO | 67.5–68.1 / 60.2–60.9 / 58.9–60.6 ms | 20.3 / 19.9 / 18.6 ms |
//!
//! (Criterion on the SVRG epoch, a busier machine: dense 47–49 / 41–44 / 37–38 ms.) Without prefetches the dense
//! epochs lose 15–20 %; on sparse rows the random-order scheme's prefetches cost 5–7 %.
//!
//! Prefetches are hints: they change no value.

use gradus_oracle::Design;
use gradus_oracle::memory::prefetch;

/// How many steps ahead a row is asked for (random order).
pub const LOOKAHEAD: usize = 8;

/// How many steps ahead a dense row is asked for in storage order.
pub const STREAM_LOOKAHEAD: usize = 2;

/// At step `t` of an epoch whose row indices are `index(0)`, `index(1)`, …: prefetches the row of step
/// t + LOOKAHEAD and its entries of `per_sample`, and the row pointers of step t + 2·LOOKAHEAD; when `cyclic`
/// (the rows in storage order), only a dense row, STREAM_LOOKAHEAD steps ahead.
#[inline]
pub fn prefetch_ahead(
    design: &Design,
    t: usize,
    index: impl Fn(usize) -> Option<usize>,
    per_sample: &[&[f64]],
    cyclic: bool,
) {
    if cyclic {
        if let Some(i) = index(t + STREAM_LOOKAHEAD)
            && let Some(row) = design.dense_rows(i, i + 1)
        {
            prefetch(row);
        }
        return;
    }
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
