//! The dense kernels (dot, axpy, the incremental solvers' affine step, the fused loss-and-gradient pass over
//! rows), compiled for several x86-64 instruction sets and chosen once at run time.
//!
//! Every kernel is written once, in portable Rust ([`portable`]). On x86-64 the same source is compiled three
//! times: for the baseline target (SSE2, 2 lanes of f64), with `avx2,fma` enabled (4 lanes) and with `avx512f`
//! enabled (8 lanes); the first call picks the widest one the CPU supports (`is_x86_feature_detected!`) and keeps
//! it in a [`OnceLock`]. (At the AVX2 level the fused passes are the SSE2 build: compiled for AVX2 they were
//! measured 1.25–1.35× slower.) The environment variable `GRADUS_SIMD=sse2|avx2|avx512` forces a level (an unsupported
//! or unknown value falls back to the detected one, with a note on stderr); [`Level::kernels`] gives the table
//! of any supported level directly (for tests and benchmarks).
//!
//! **Same bits on every path.** Only the vector width changes: the summation order is the source's (`dot` keeps
//! its eight accumulators combined as `((a₀+a₁)+(a₂+a₃)) + ((a₄+a₅)+(a₆+a₇))`), and Rust never contracts
//! `a * b + c` into a fused multiply-add (no fast-math), so enabling `fma` lets the compiler use the newer
//! encodings but not change a rounding. We chose bit-identical results over FMA's extra speed: runs then agree
//! to the last bit across machines of different generations, as they already do across thread counts. The tests
//! compare every available level against the baseline bit for bit.
//!
//! On other architectures there is one level, [`Level::Portable`].

use std::sync::OnceLock;

use crate::loss::Loss;
use crate::memory::prefetch;

/// An instruction-set level the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The baseline target: SSE2 on x86-64, whatever the target is elsewhere.
    Portable,
    /// AVX2 with FMA encodings available (x86-64 only).
    Avx2,
    /// AVX-512F (x86-64 only).
    Avx512,
}

/// The kernels of one [`Level`]: plain function pointers, safe to call (a table exists only for a level the CPU
/// supports).
#[derive(Debug, Clone, Copy)]
pub struct Kernels {
    /// The level these were compiled for.
    pub level: Level,
    dot: fn(&[f64], &[f64]) -> f64,
    axpy: fn(f64, &[f64], &mut [f64]),
    affine_step: AffineStep,
    loss_pass: LossPass,
    loss_and_gradient_pass: LossAndGradientPass,
}

/// The signature of [`Kernels::affine_step`]: (a, β, c, x, w) ↦ w ← a·w + β + c·x.
type AffineStep = fn(f64, &[f64], f64, &[f64], &mut [f64]);
/// The signature of [`Kernels::loss_pass`]: (loss, rows, labels, x) ↦ Σᵢ φ(aᵢᵀx; yᵢ).
type LossPass = fn(Loss, &[f64], &[f64], &[f64]) -> f64;
/// The signature of [`Kernels::loss_and_gradient_pass`]: (loss, rows, labels, x, part) ↦ Σᵢ φ(aᵢᵀx; yᵢ).
type LossAndGradientPass = fn(Loss, &[f64], &[f64], &[f64], &mut [f64]) -> f64;

impl Kernels {
    /// xᵀy (see [`portable::dot`]).
    #[inline]
    pub fn dot(&self, x: &[f64], y: &[f64]) -> f64 {
        (self.dot)(x, y)
    }

    /// y += αx (see [`portable::axpy`]).
    #[inline]
    pub fn axpy(&self, alpha: f64, x: &[f64], y: &mut [f64]) {
        (self.axpy)(alpha, x, y)
    }

    /// w ← a·w + β + c·x (see [`portable::affine_step`]).
    #[inline]
    pub fn affine_step(&self, a: f64, beta: &[f64], c: f64, x: &[f64], w: &mut [f64]) {
        (self.affine_step)(a, beta, c, x, w)
    }

    /// Σᵢ φ(aᵢᵀx; yᵢ) over dense rows (see [`portable::loss_pass`]).
    #[inline]
    pub fn loss_pass(&self, loss: Loss, rows: &[f64], labels: &[f64], x: &[f64]) -> f64 {
        (self.loss_pass)(loss, rows, labels, x)
    }

    /// Σᵢ φ(aᵢᵀx; yᵢ), and part += Σᵢ φ′(aᵢᵀx; yᵢ) aᵢ over dense rows (see [`portable::loss_and_gradient_pass`]).
    #[inline]
    pub fn loss_and_gradient_pass(&self, loss: Loss, rows: &[f64], labels: &[f64], x: &[f64], part: &mut [f64]) -> f64 {
        (self.loss_and_gradient_pass)(loss, rows, labels, x, part)
    }
}

impl Level {
    /// Every level, narrowest first.
    pub const ALL: [Level; 3] = [Level::Portable, Level::Avx2, Level::Avx512];

    /// The name `GRADUS_SIMD` takes for this level.
    pub fn name(self) -> &'static str {
        match self {
            Level::Portable => "sse2",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the level.
    pub fn is_supported(self) -> bool {
        match self {
            Level::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The kernels of this level, `None` when the CPU does not support it.
    pub fn kernels(self) -> Option<Kernels> {
        if !self.is_supported() {
            return None;
        }
        Some(match self {
            Level::Portable => Kernels {
                level: self,
                dot: portable::dot,
                axpy: portable::axpy,
                affine_step: portable::affine_step,
                loss_pass: portable::loss_pass,
                loss_and_gradient_pass: portable::loss_and_gradient_pass,
            },
            #[cfg(target_arch = "x86_64")]
            // The fused passes stay on the SSE2 build at this level: compiled for AVX2 they were 1.25–1.35× slower
            // (docs/benchmarks.md, "Kernels and dispatch"); same bits either way.
            Level::Avx2 => Kernels {
                level: self,
                dot: avx2::dot,
                axpy: avx2::axpy,
                affine_step: avx2::affine_step,
                loss_pass: portable::loss_pass,
                loss_and_gradient_pass: portable::loss_and_gradient_pass,
            },
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => Kernels {
                level: self,
                dot: avx512::dot,
                axpy: avx512::axpy,
                affine_step: avx512::affine_step,
                loss_pass: avx512::loss_pass,
                loss_and_gradient_pass: avx512::loss_and_gradient_pass,
            },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("only the portable level is supported off x86-64"),
        })
    }

    /// The widest supported level.
    pub fn detected() -> Level {
        Level::ALL
            .into_iter()
            .rev()
            .find(|l| l.is_supported())
            .unwrap_or(Level::Portable)
    }
}

/// The kernels in use: the level forced by `GRADUS_SIMD` if it is supported, else the widest detected one.
/// Chosen on the first call and kept for the life of the process.
pub fn kernels() -> &'static Kernels {
    static CHOSEN: OnceLock<Kernels> = OnceLock::new();
    CHOSEN.get_or_init(|| {
        let detected = Level::detected();
        let level = match std::env::var("GRADUS_SIMD") {
            Ok(name) => match Level::ALL.into_iter().find(|l| l.name() == name) {
                Some(l) if l.is_supported() => l,
                _ => {
                    eprintln!(
                        "gradus: GRADUS_SIMD={name} is not a supported level here (sse2, avx2, avx512); using {}",
                        detected.name()
                    );
                    detected
                }
            },
            Err(_) => detected,
        };
        level.kernels().expect("a detected level is supported")
    })
}

/// The kernels' source, compiled for the baseline target (and, through the wrappers below, for each level).
/// `#[inline(always)]` so each level's wrapper gets its own copy compiled with its features.
pub mod portable {
    use super::{Loss, prefetch};

    /// xᵀy with eight independent accumulators, in a fixed summation order (so the result is reproducible):
    /// accumulator `l` sums the products at indices `≡ l (mod 8)` of the first `8⌊n/8⌋`, the accumulators are
    /// added as `((a₀+a₁)+(a₂+a₃)) + ((a₄+a₅)+(a₆+a₇))`, and the last `n mod 8` products are added to that
    /// sequentially.
    ///
    /// Eight chains rather than four: a pass of row dots over the 100000×200 benchmark matrix was 10–14 % faster
    /// than with four when the dot is not inlined into a specialised loop, and never slower. See
    /// docs/benchmarks.md.
    #[inline(always)]
    pub fn dot(x: &[f64], y: &[f64]) -> f64 {
        debug_assert_eq!(x.len(), y.len());
        let n = x.len().min(y.len());
        let (x8, xt) = x[..n].as_chunks::<8>();
        let (y8, yt) = y[..n].as_chunks::<8>();
        let mut acc = [0.0f64; 8];
        for (a, b) in x8.iter().zip(y8) {
            for l in 0..8 {
                acc[l] += a[l] * b[l];
            }
        }
        let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (a, b) in xt.iter().zip(yt) {
            s += a * b;
        }
        s
    }

    /// y += α x, element by element (each element is one rounding of `y + α·x`, whatever the width).
    #[inline(always)]
    pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
        for (yi, xi) in y.iter_mut().zip(x) {
            *yi += alpha * xi;
        }
    }

    /// w ← a·w + β + c·x, element by element, each evaluated as `(a·wⱼ + βⱼ) + c·xⱼ` (the dense step of SVRG and
    /// SAGA: a the shrinkage 1 − ησ, β the step's fixed part, c the row's coefficient).
    #[inline(always)]
    pub fn affine_step(a: f64, beta: &[f64], c: f64, x: &[f64], w: &mut [f64]) {
        for ((wj, &xj), &bj) in w.iter_mut().zip(x).zip(beta) {
            *wj = a * *wj + bj + c * xj;
        }
    }

    /// Σᵢ φ(aᵢᵀx; yᵢ) over the row-major rows `rows` (rows of length `x.len()`, one per label), in row order, the
    /// next row prefetched while this one is used (see [`crate::memory::prefetch`]).
    #[inline(always)]
    pub fn loss_pass(loss: Loss, rows: &[f64], labels: &[f64], x: &[f64]) -> f64 {
        let d = x.len();
        let mut s = 0.0;
        for (i, &y) in labels.iter().enumerate() {
            let row = &rows[i * d..(i + 1) * d];
            if let Some(next) = rows.get((i + 1) * d..(i + 2) * d) {
                prefetch(next);
            }
            s += loss.value(dot(row, x), y);
        }
        s
    }

    /// Σᵢ φ(aᵢᵀx; yᵢ), and part += Σᵢ φ′(aᵢᵀx; yᵢ) aᵢ, in row order over the row-major rows `rows`: for each row
    /// the margin, the loss and the axpy while the row is in cache, the next row prefetched.
    #[inline(always)]
    pub fn loss_and_gradient_pass(loss: Loss, rows: &[f64], labels: &[f64], x: &[f64], part: &mut [f64]) -> f64 {
        let d = x.len();
        let mut s = 0.0;
        for (i, &y) in labels.iter().enumerate() {
            let row = &rows[i * d..(i + 1) * d];
            if let Some(next) = rows.get((i + 1) * d..(i + 2) * d) {
                prefetch(next);
            }
            let (value, derivative) = loss.value_and_derivative(dot(row, x), y);
            s += value;
            axpy(derivative, row, part);
        }
        s
    }
}

/// One module per x86-64 level: the portable kernels compiled with that level's target features, behind safe
/// wrappers. The wrappers are private and reach [`Kernels`] only through [`Level::kernels`], which checks the
/// CPU first.
#[cfg(target_arch = "x86_64")]
macro_rules! compiled_for {
    ($level:ident, $features:literal) => {
        #[allow(dead_code, reason = "the AVX2 table does not use this level's fused passes")]
        mod $level {
            use super::{Loss, portable};

            #[target_feature(enable = $features)]
            fn dot_inner(x: &[f64], y: &[f64]) -> f64 {
                portable::dot(x, y)
            }
            #[target_feature(enable = $features)]
            fn axpy_inner(alpha: f64, x: &[f64], y: &mut [f64]) {
                portable::axpy(alpha, x, y)
            }
            #[target_feature(enable = $features)]
            fn affine_step_inner(a: f64, beta: &[f64], c: f64, x: &[f64], w: &mut [f64]) {
                portable::affine_step(a, beta, c, x, w)
            }
            #[target_feature(enable = $features)]
            fn loss_pass_inner(loss: Loss, rows: &[f64], labels: &[f64], x: &[f64]) -> f64 {
                portable::loss_pass(loss, rows, labels, x)
            }
            #[target_feature(enable = $features)]
            fn loss_and_gradient_pass_inner(
                loss: Loss,
                rows: &[f64],
                labels: &[f64],
                x: &[f64],
                part: &mut [f64],
            ) -> f64 {
                portable::loss_and_gradient_pass(loss, rows, labels, x, part)
            }

            // SAFETY (all five): these functions are only placed in a `Kernels` table by `Level::kernels`, after
            // `Level::is_supported` found the features enabled here on this CPU.
            pub(super) fn dot(x: &[f64], y: &[f64]) -> f64 {
                unsafe { dot_inner(x, y) }
            }
            pub(super) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
                unsafe { axpy_inner(alpha, x, y) }
            }
            pub(super) fn affine_step(a: f64, beta: &[f64], c: f64, x: &[f64], w: &mut [f64]) {
                unsafe { affine_step_inner(a, beta, c, x, w) }
            }
            pub(super) fn loss_pass(loss: Loss, rows: &[f64], labels: &[f64], x: &[f64]) -> f64 {
                unsafe { loss_pass_inner(loss, rows, labels, x) }
            }
            pub(super) fn loss_and_gradient_pass(
                loss: Loss,
                rows: &[f64],
                labels: &[f64],
                x: &[f64],
                part: &mut [f64],
            ) -> f64 {
                unsafe { loss_and_gradient_pass_inner(loss, rows, labels, x, part) }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
compiled_for!(avx2, "avx2,fma");
#[cfg(target_arch = "x86_64")]
compiled_for!(avx512, "avx512f");

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random sequence in [-1, 1).
    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        }
    }

    fn available() -> Vec<Kernels> {
        Level::ALL.into_iter().filter_map(Level::kernels).collect()
    }

    #[test]
    fn the_portable_level_is_always_there_and_the_chosen_one_is_supported() {
        assert!(Level::Portable.kernels().is_some());
        assert!(kernels().level.is_supported());
        assert!(!available().is_empty());
        eprintln!(
            "levels here: {:?}",
            available().iter().map(|k| k.level).collect::<Vec<_>>()
        );
    }

    #[test]
    fn dot_and_axpy_give_the_same_bits_on_every_level_and_match_a_naive_reference() {
        let base = Level::Portable.kernels().unwrap();
        let mut r = lcg(7);
        for n in (0..70).chain([199, 200, 201, 1000, 1003]) {
            let x: Vec<f64> = (0..n).map(|_| r() * 1e3).collect();
            let y: Vec<f64> = (0..n).map(|_| r()).collect();
            let naive: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            let scale: f64 = x.iter().zip(&y).map(|(a, b)| (a * b).abs()).sum();
            let alpha = r();
            let mut base_y = y.clone();
            base.axpy(alpha, &x, &mut base_y);
            for k in available() {
                let v = k.dot(&x, &y);
                assert_eq!(v.to_bits(), base.dot(&x, &y).to_bits(), "dot, {:?}, n = {n}", k.level);
                assert!((v - naive).abs() <= 1e-14 * scale.max(1.0), "dot vs naive, n = {n}");
                let mut out = y.clone();
                k.axpy(alpha, &x, &mut out);
                assert_eq!(out, base_y, "axpy, {:?}, n = {n}", k.level);
                for i in 0..n {
                    assert_eq!(out[i], y[i] + alpha * x[i], "axpy vs scalar, n = {n}, i = {i}");
                }
            }
        }
    }

    #[test]
    fn the_affine_step_gives_the_bits_of_the_scalar_formula_on_every_level() {
        let mut r = lcg(5);
        for n in (0..20).chain([199, 200, 203]) {
            let (a, c) = (1.0 - 1e-3 * r().abs(), r());
            let x: Vec<f64> = (0..n).map(|_| r()).collect();
            let beta: Vec<f64> = (0..n).map(|_| 1e-2 * r()).collect();
            let w0: Vec<f64> = (0..n).map(|_| r()).collect();
            let want: Vec<f64> = (0..n).map(|j| a * w0[j] + beta[j] + c * x[j]).collect();
            for k in available() {
                let mut w = w0.clone();
                k.affine_step(a, &beta, c, &x, &mut w);
                assert_eq!(w, want, "affine_step, {:?}, n = {n}", k.level);
            }
        }
    }

    #[test]
    fn fused_passes_give_the_same_bits_on_every_level_and_match_row_by_row() {
        let base = Level::Portable.kernels().unwrap();
        let mut r = lcg(11);
        for (n, d) in [(1, 1), (5, 7), (17, 9), (40, 200), (33, 203), (3, 0)] {
            let rows: Vec<f64> = (0..n * d).map(|_| r()).collect();
            let labels: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { 1.0 } else { -1.0 }).collect();
            let x: Vec<f64> = (0..d).map(|_| r()).collect();
            for loss in [Loss::Logistic, Loss::Squared, Loss::SquaredHinge] {
                // Row by row with the scalar loss, the same order.
                let mut want_part = vec![0.5; d];
                let mut want = 0.0;
                for i in 0..n {
                    let row = &rows[i * d..(i + 1) * d];
                    let (v, g) = loss.value_and_derivative(portable::dot(row, &x), labels[i]);
                    want += v;
                    portable::axpy(g, row, &mut want_part);
                }
                for k in available() {
                    let mut part = vec![0.5; d];
                    let s = k.loss_and_gradient_pass(loss, &rows, &labels, &x, &mut part);
                    assert_eq!(s.to_bits(), want.to_bits(), "{:?} {loss:?} n = {n} d = {d}", k.level);
                    assert_eq!(part, want_part, "{:?} {loss:?} n = {n} d = {d}", k.level);
                    let v = k.loss_pass(loss, &rows, &labels, &x);
                    assert_eq!(v.to_bits(), want.to_bits(), "{:?} {loss:?} n = {n} d = {d}", k.level);
                    assert_eq!(v.to_bits(), base.loss_pass(loss, &rows, &labels, &x).to_bits());
                }
            }
        }
    }
}
