//! Large `f64` buffers backed by transparent huge pages.
//!
//! A data matrix is read row after row, over and over; on this project's machines (Linux guests with
//! transparent huge pages in `madvise` mode, so ordinary allocations get 4 KiB pages) a pass over a
//! 160 MB matrix spends much of its time on TLB misses: measured with a plain C loop on the benchmark machine, a
//! streaming row-dot pass over 100 000 × 200 took 14.4 ms with 4 KiB pages and 9.4 ms with 2 MiB pages, and a
//! pass over randomly drawn rows 35.7 ms vs 28.6 ms (see docs/benchmarks.md). Page faults fall from one per
//! 4 KiB to one per 2 MiB, too.
//!
//! [`zeroed`] allocates a zero-filled vector and, when it is large, asks the kernel (`madvise(MADV_HUGEPAGE)`)
//! to back it with huge pages *before* any page is touched, so the first writes fault in 2 MiB pages. The
//! advice changes neither the contents nor the layout of the vector: it is an ordinary `Vec<f64>`. On other
//! systems, or when the kernel refuses, the vector is simply left as it is. Setting the environment variable
//! `GRADUS_NO_HUGE_PAGES` (to anything) switches the advice off, to measure what it brings.

/// Buffers smaller than this (in `f64`s: 4 MiB) are allocated plainly: a huge page would not pay off.
pub const HUGE_PAGE_THRESHOLD: usize = 1 << 19;

/// A vector of `len` zeros, backed by transparent huge pages where the OS allows it.
///
/// ```
/// let v = gradus_oracle::memory::zeroed(1 << 20);
/// assert_eq!(v.len(), 1 << 20);
/// assert!(v.iter().all(|&x| x == 0.0));
/// ```
pub fn zeroed(len: usize) -> Vec<f64> {
    // `vec![0.0; len]` is a `calloc`: for large sizes the allocator maps fresh zero pages and does not write to
    // them, so the advice below still reaches untouched memory.
    let v = vec![0.0f64; len];
    if len >= HUGE_PAGE_THRESHOLD && huge_pages_enabled() {
        advise_huge_pages(&v);
    }
    v
}

/// False when `GRADUS_NO_HUGE_PAGES` is set (read once per process).
fn huge_pages_enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("GRADUS_NO_HUGE_PAGES").is_none())
}

/// Asks Linux to back the whole 4 KiB pages inside `v` with transparent huge pages. Best effort: errors
/// (an old kernel, huge pages switched off) are ignored, because the advice never changes results.
#[cfg(target_os = "linux")]
fn advise_huge_pages(v: &[f64]) {
    const PAGE: usize = 4096;
    let start = v.as_ptr() as usize;
    let end = start + std::mem::size_of_val(v);
    let first = start.next_multiple_of(PAGE);
    let last = end - end % PAGE;
    if last > first {
        // SAFETY: [first, last) lies inside the live allocation of `v` and is page-aligned, as madvise
        // requires. MADV_HUGEPAGE only changes how the kernel backs those pages; it never changes or frees
        // their contents, so `v` stays a valid, initialized slice whatever the call returns.
        let _ = unsafe { libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_v: &[f64]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_is_zero_for_small_and_large_sizes() {
        for len in [0, 1, 1000, HUGE_PAGE_THRESHOLD, HUGE_PAGE_THRESHOLD + 3] {
            let v = zeroed(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0.0));
        }
    }
}
