//! Memory helpers for the data-matrix kernels: large `f64` buffers backed by transparent huge pages
//! ([`zeroed`]), and a software prefetch of the rows a loop is about to read ([`prefetch`]).
//!
//! # Huge pages
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
//!
//! The cost: a kernel configured to compact memory for advised regions (`transparent_hugepage/defrag =
//! madvise`, as here) spends longer on the first faults — reading a 160 MB matrix into a fresh process took 0.42 s
//! instead of 0.10 s on the benchmark machine. A one-shot fit of ~20 passes breaks even; more passes gain.

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

/// Asks Linux to move memory that somebody else allocated with ordinary 4 KiB pages (a NumPy array used in place,
/// say) onto transparent huge pages now (`madvise(MADV_COLLAPSE)`, Linux ≥ 6.1): the kernel copies each whole
/// 2 MiB-aligned stretch inside `v` into a huge page and maps it at the same addresses, so the values, their
/// addresses and the memory used stay the same while later passes take fewer TLB misses. Best effort: only for
/// buffers of at least [`HUGE_PAGE_THRESHOLD`] values, not with `GRADUS_NO_HUGE_PAGES`, and errors (an older
/// kernel, no free huge pages) are ignored, because the advice never changes results. Returns whether the kernel
/// accepted it.
pub fn collapse_huge_pages(v: &[f64]) -> bool {
    v.len() >= HUGE_PAGE_THRESHOLD && huge_pages_enabled() && collapse(v)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn collapse(v: &[f64]) -> bool {
    const HUGE: usize = 2 << 20;
    let start = v.as_ptr() as usize;
    let end = start + std::mem::size_of_val(v);
    let first = start.next_multiple_of(HUGE);
    let last = end - end % HUGE;
    if last <= first {
        return false;
    }
    // SAFETY: [first, last) lies inside the live memory of `v` and is aligned as madvise requires. MADV_HUGEPAGE
    // and MADV_COLLAPSE change only how the kernel backs those pages (the collapse copies their contents into
    // huge pages at the same addresses); they never change or free the values, so `v` stays valid whatever the
    // calls return.
    unsafe {
        let p = first as *mut libc::c_void;
        let _ = libc::madvise(p, last - first, libc::MADV_HUGEPAGE);
        libc::madvise(p, last - first, libc::MADV_COLLAPSE) == 0
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn collapse(_v: &[f64]) -> bool {
    false
}

/// Asks the CPU to start loading every cache line of `data` into the L1 cache, without waiting for it.
///
/// A loop that does work between rows (a dot product, a loss, an axpy) keeps the out-of-order core too busy to
/// issue the next row's loads early, and the hardware prefetcher does not run ahead across the 4 KiB boundaries
/// between rows, so each row starts with a cache miss. Prefetching the next row at the start of the current one
/// hides it: on the benchmark machine, a fused logistic value-and-gradient pass over 100 000 × 200 went from 23.3
/// to 16.8 ms with the next row prefetched (1 row ahead; 2 rows: 17.3 ms; 4 rows: 24.0 ms), see
/// docs/benchmarks.md. A prefetch is only a hint: it never faults and never changes a value, so results are
/// bit for bit the same with or without it. A no-op on other architectures.
#[inline]
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        /// Bytes per cache line.
        const LINE: usize = 64;
        let start = data.as_ptr().cast::<i8>();
        let bytes = std::mem::size_of_val(data);
        // One address per line from the start, and the last byte (whose line the stride may have skipped).
        let lines = (0..bytes).step_by(LINE).chain(bytes.checked_sub(1));
        for offset in lines {
            // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 CPU has (it is in the baseline target). The
            // address lies inside a live slice, and a prefetch never dereferences it architecturally: it cannot
            // fault or change memory.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

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

    #[test]
    fn prefetch_accepts_any_slice() {
        let v: Vec<f64> = (0..1000).map(f64::from).collect();
        for (a, b) in [(0, 0), (0, 1), (3, 11), (7, 1000), (999, 1000)] {
            prefetch(&v[a..b]);
        }
        prefetch(&[1u32, 2, 3]);
        prefetch::<u8>(&[]);
        assert_eq!(v[999], 999.0);
    }

    #[test]
    fn collapsing_onto_huge_pages_changes_no_value() {
        for len in [10, HUGE_PAGE_THRESHOLD * 3 + 5] {
            let v: Vec<f64> = (0..len).map(|i| (i as f64).sqrt()).collect();
            let before = v.as_ptr();
            let accepted = collapse_huge_pages(&v);
            assert!(len >= HUGE_PAGE_THRESHOLD || !accepted, "small buffers are left alone");
            assert_eq!(v.as_ptr(), before);
            assert!(v.iter().enumerate().all(|(i, &x)| x == (i as f64).sqrt()));
        }
    }
}
