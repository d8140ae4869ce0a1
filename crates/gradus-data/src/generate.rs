//! Seeded synthetic data: correlated Gaussian logistic regression, sparse bag-of-words classification, random
//! orthogonal matrices and quadratics with a prescribed spectrum.
//!
//! Every generator takes a `seed` and draws from `rand::rngs::StdRng::seed_from_u64(seed)` (rand 0.10, with
//! rand_distr 0.6 for the normal and Poisson distributions) in a fixed order, so the same seed gives the same bits on
//! every run and every thread count. The streams are not NumPy's: a recipe taken from a Python script reproduces the
//! distribution, not the numbers.

use gradus_oracle::design::Csr;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, Poisson, StandardNormal};

use crate::error::{Result, invalid};
use crate::preprocess::{normalize_rows_csr, standardize_columns};

/// Correlation between neighbouring features in [`correlated_gaussian_logistic`].
pub const AR_CORRELATION: f64 = 0.5;
/// Fraction of labels flipped at random in [`sparse_bag_of_words`].
pub const BAG_OF_WORDS_LABEL_NOISE: f64 = 0.05;
/// Fraction of features with a nonzero weight in the planted model of [`sparse_bag_of_words`].
pub const BAG_OF_WORDS_SUPPORT: f64 = 0.1;
/// Largest density accepted by [`sparse_bag_of_words`].
pub const MAX_BAG_OF_WORDS_DENSITY: f64 = 0.5;

/// A vector of `len` independent standard normal draws.
fn standard_normal_vec<R: Rng + ?Sized>(rng: &mut R, len: usize) -> Vec<f64> {
    // Allocated by `memory::zeroed` so that a large matrix built from it lands on huge pages.
    let mut v = gradus_oracle::memory::zeroed(len);
    for z in &mut v {
        *z = StandardNormal.sample(rng);
    }
    v
}

/// The logistic function 1 / (1 + e^{−t}), evaluated without overflow for large |t|.
pub fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// Turns independent standard normal columns into a stationary AR(1) sequence across columns, row by row in place:
/// x₀ = z₀, x_j = ρ x_{j−1} + √(1 − ρ²) z_j, so every x_j is standard normal and corr(x_j, x_k) = ρ^{|j−k|}.
fn ar1_across_columns(z: &mut [f64], d: usize, rho: f64) {
    let innovation = (1.0 - rho * rho).sqrt();
    for row in z.chunks_exact_mut(d.max(1)) {
        for j in 1..row.len() {
            row[j] = rho * row[j - 1] + innovation * row[j];
        }
    }
}

/// Dense logistic-regression data with correlated features: the recipe of `make_data` in the peer benchmark
/// `bench/peer_logreg.py`.
///
/// 1. z ∈ ℝ^{n×d} with independent N(0, 1) entries (drawn row by row);
/// 2. AR(1) columns with ρ = 0.5: x₀ = z₀, x_j = 0.5 x_{j−1} + √0.75 z_j;
/// 3. w_true ~ N(0, I_d)/√d;
/// 4. y_i = +1 with probability σ(x_iᵀ w_true) (computed from the unstandardized x), else −1;
/// 5. columns standardized to mean 0 and population standard deviation 1 ([`standardize_columns`]).
///
/// Same recipe and draw order as the Python script, but not the same numbers: NumPy's PCG64 and rand's `StdRng`
/// are different generators. The same `seed` always gives the same bits here.
///
/// Returns `(x, y)` with `x` of shape `n × d` (row-major) and `y ∈ {−1, +1}ⁿ`. Panics only if `n·d` overflows
/// `usize` (no such array fits in memory).
pub fn correlated_gaussian_logistic(n: usize, d: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let len = n.checked_mul(d).expect("n·d overflows usize");
    let mut z = standard_normal_vec(&mut rng, len);
    ar1_across_columns(&mut z, d, AR_CORRELATION);
    let scale = 1.0 / (d.max(1) as f64).sqrt();
    let w_true: Vec<f64> = standard_normal_vec(&mut rng, d)
        .into_iter()
        .map(|w| w * scale)
        .collect();
    let y: Array1<f64> = (0..n)
        .map(|i| {
            let row = &z[i * d..(i + 1) * d];
            let p = sigmoid(row.iter().zip(&w_true).map(|(a, b)| a * b).sum());
            if rng.random::<f64>() < p { 1.0 } else { -1.0 }
        })
        .collect();
    // `z` has exactly n·d entries.
    let mut x = Array2::from_shape_vec((n, d), z).expect("n·d entries");
    standardize_columns(&mut x);
    (x, y)
}

/// Inverse-CDF sampler of a Zipf law with exponent 1 over features `0..d`: P(j) ∝ 1/(j + 1).
struct ZipfTable {
    /// Cumulative weights; the last entry is the total.
    cumulative: Vec<f64>,
}

impl ZipfTable {
    fn new(d: usize) -> Self {
        let mut total = 0.0;
        let cumulative = (0..d)
            .map(|j| {
                total += 1.0 / (j as f64 + 1.0);
                total
            })
            .collect();
        ZipfTable { cumulative }
    }

    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let u = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

/// Smoothed inverse document frequency, as scikit-learn's `TfidfTransformer`: ln((1 + n)/(1 + df)) + 1.
pub fn smoothed_idf(n_docs: usize, doc_freq: usize) -> f64 {
    ((1.0 + n_docs as f64) / (1.0 + doc_freq as f64)).ln() + 1.0
}

/// Number of distinct words of one document: 1 + Poisson(m − 1) with m = density·d (so the mean is m), at least 1
/// and at most d.
fn row_length<R: Rng + ?Sized>(rng: &mut R, mean: f64, d: usize, poisson: Option<&Poisson<f64>>) -> usize {
    let extra = match poisson {
        Some(p) if mean > 1.0 => p.sample(rng),
        _ => 0.0,
    };
    // `extra` is a non-negative whole number; the cast saturates for absurd values.
    (1 + extra as usize).min(d)
}

/// Sparse text-like classification data: n documents over a vocabulary of d words.
///
/// - Word frequencies follow a Zipf law with exponent 1 (word j, 0-based, has probability ∝ 1/(j + 1), so low
///   column indices are the frequent words).
/// - Document i has L_i = 1 + Poisson(density·d − 1) distinct words (at least 1, mean density·d): words are drawn
///   from the Zipf law, repeats counting as term frequency, until L_i distinct words are found (if 4·L_i + 16 draws
///   do not find them, the rest are taken in order from a random start, so the generator never loops long).
/// - Values are tf-idf with scikit-learn's smoothed idf ([`smoothed_idf`]), all positive; rows are L2-normalized.
/// - Labels come from a planted sparse linear model: w_true has N(0, 1) weights on a random 10 % of the words
///   ([`BAG_OF_WORDS_SUPPORT`], at least one word), y_i = sign(x_iᵀw_true − median) (ties broken at random, so the
///   classes are balanced), then 5 % of the labels are flipped ([`BAG_OF_WORDS_LABEL_NOISE`]).
///
/// Requires n ≥ 1, 1 ≤ d ≤ 2³², 0 < density ≤ 0.5. Takes about 0.1 s for n = 50 000, d = 20 000, density 0.002
/// in a release build.
pub fn sparse_bag_of_words(n: usize, d: usize, density: f64, seed: u64) -> Result<(Csr, Array1<f64>)> {
    if n == 0 {
        return Err(invalid("n", n, "must be at least 1"));
    }
    if d == 0 || d > u32::MAX as usize {
        return Err(invalid("d", d, "must be in 1..=4294967295"));
    }
    if !(density > 0.0 && density <= MAX_BAG_OF_WORDS_DENSITY) {
        return Err(invalid("density", density, "must be in (0, 0.5]"));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let zipf = ZipfTable::new(d);
    let mean_len = density * d as f64;
    let poisson = if mean_len > 1.0 {
        Poisson::new(mean_len - 1.0).ok()
    } else {
        None
    };

    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0);
    let mut indices: Vec<u32> = Vec::with_capacity((mean_len.ceil() as usize).saturating_mul(n).min(1 << 28));
    let mut data: Vec<f64> = Vec::with_capacity(indices.capacity());
    let mut doc_freq = vec![0usize; d];
    let mut words = WordCounts::new(d);
    for doc in 0..n {
        let target = row_length(&mut rng, mean_len, d, poisson.as_ref());
        words.start(doc);
        let max_draws = 4 * target + 16;
        let mut draws = 0;
        while words.distinct.len() < target && draws < max_draws {
            words.add(zipf.sample(&mut rng));
            draws += 1;
        }
        if words.distinct.len() < target {
            let start = rng.random_range(0..d);
            for t in 0..d {
                if words.distinct.len() == target {
                    break;
                }
                let j = (start + t) % d;
                if !words.contains(j) {
                    words.add(j);
                }
            }
        }
        words.distinct.sort_unstable();
        for &j in &words.distinct {
            doc_freq[j] += 1;
            // j < d <= u32::MAX (checked above).
            indices.push(j as u32);
            data.push(f64::from(words.term_freq[j]));
        }
        indptr.push(indices.len());
    }
    for (v, &j) in data.iter_mut().zip(&indices) {
        *v *= smoothed_idf(n, doc_freq[j as usize]);
    }
    // The construction keeps every CSR invariant: sorted unique indices < d, finite positive values.
    let mut csr = Csr::new(n, d, indptr, indices, data)?;
    normalize_rows_csr(&mut csr);
    let y = planted_sparse_labels(&csr, &mut rng);
    Ok((csr, y))
}

/// Term frequencies of the document being generated. `last_doc[j]` records which document last touched word j, so
/// nothing needs clearing between documents.
struct WordCounts {
    doc: usize,
    term_freq: Vec<u32>,
    last_doc: Vec<usize>,
    /// The distinct words of the current document, in the order first drawn.
    distinct: Vec<usize>,
}

impl WordCounts {
    fn new(d: usize) -> Self {
        WordCounts {
            doc: 0,
            term_freq: vec![0; d],
            last_doc: vec![usize::MAX; d],
            distinct: Vec::new(),
        }
    }

    /// Starts document `doc` with no words.
    fn start(&mut self, doc: usize) {
        self.doc = doc;
        self.distinct.clear();
    }

    fn contains(&self, j: usize) -> bool {
        self.last_doc[j] == self.doc
    }

    /// One more occurrence of word j.
    fn add(&mut self, j: usize) {
        if !self.contains(j) {
            self.last_doc[j] = self.doc;
            self.term_freq[j] = 0;
            self.distinct.push(j);
        }
        self.term_freq[j] += 1;
    }
}

/// Labels of [`sparse_bag_of_words`]: the sign of the margin of a sparse random linear model around its median,
/// with random tie-breaking and [`BAG_OF_WORDS_LABEL_NOISE`] flips.
fn planted_sparse_labels<R: Rng + ?Sized>(x: &Csr, rng: &mut R) -> Array1<f64> {
    let d = x.ncols();
    let support = ((BAG_OF_WORDS_SUPPORT * d as f64).round() as usize).clamp(1, d);
    let mut w_true = vec![0.0; d];
    for j in rand::seq::index::sample(rng, d, support) {
        w_true[j] = StandardNormal.sample(rng);
    }
    let margins: Vec<f64> = (0..x.nrows())
        .map(|i| {
            let (idx, val) = x.row(i);
            idx.iter().zip(val).map(|(&j, &v)| v * w_true[j as usize]).sum()
        })
        .collect();
    let median = median(&margins);
    margins
        .iter()
        .map(|&m| {
            let sign = if m > median {
                1.0
            } else if m < median || rng.random::<bool>() {
                -1.0
            } else {
                1.0
            };
            if rng.random::<f64>() < BAG_OF_WORDS_LABEL_NOISE {
                -sign
            } else {
                sign
            }
        })
        .collect()
}

/// The lower median of finite values (0 for an empty slice).
fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    let k = (v.len() - 1) / 2;
    *v.select_nth_unstable_by(k, f64::total_cmp).1
}

/// A random orthogonal d × d matrix, distributed by the Haar measure.
///
/// Gram–Schmidt on the rows of a Gaussian matrix, each row orthogonalized twice against the previous ones ("twice is
/// enough": orthogonality to machine precision). Gram–Schmidt is the QR factorization with a positive diagonal in
/// R, which is exactly the sign fix that makes the Q factor of a Gaussian matrix Haar-distributed. A row whose
/// residual is numerically zero (probability zero) is redrawn. Panics only if d·d overflows `usize`.
pub fn random_orthogonal<R: Rng + ?Sized>(d: usize, rng: &mut R) -> Array2<f64> {
    let mut q = vec![0.0; d.checked_mul(d).expect("d·d overflows usize")];
    for i in 0..d {
        let (done, rest) = q.split_at_mut(i * d);
        let row = &mut rest[..d];
        loop {
            for v in row.iter_mut() {
                *v = StandardNormal.sample(rng);
            }
            for _ in 0..2 {
                for prev in done.chunks_exact(d) {
                    let c: f64 = prev.iter().zip(row.iter()).map(|(a, b)| a * b).sum();
                    for (v, p) in row.iter_mut().zip(prev) {
                        *v -= c * p;
                    }
                }
            }
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 1e-8 {
                for v in row.iter_mut() {
                    *v /= norm;
                }
                break;
            }
        }
    }
    // `q` has exactly d·d entries.
    Array2::from_shape_vec((d, d), q).expect("d·d entries")
}

/// Checks that a spectrum end point is finite.
fn check_finite_param(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(invalid(name, v, "must be finite"))
    }
}

/// d equally spaced values from `lo` to `hi` inclusive (`[lo]` when d = 1), as NumPy's `linspace`.
pub fn spectrum_linspace(lo: f64, hi: f64, d: usize) -> Result<Vec<f64>> {
    check_finite_param("lo", lo)?;
    check_finite_param("hi", hi)?;
    Ok(match d {
        0 => Vec::new(),
        1 => vec![lo],
        _ => (0..d)
            .map(|k| {
                if k == d - 1 {
                    hi
                } else {
                    lo + (hi - lo) * k as f64 / (d - 1) as f64
                }
            })
            .collect(),
    })
}

/// d geometrically spaced values from `lo` to `hi` inclusive: lo·(hi/lo)^{k/(d−1)}, as NumPy's `geomspace`.
/// Both ends must be finite and > 0.
pub fn spectrum_geometric(lo: f64, hi: f64, d: usize) -> Result<Vec<f64>> {
    for (name, v) in [("lo", lo), ("hi", hi)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(invalid(name, v, "must be finite and > 0"));
        }
    }
    Ok(match d {
        0 => Vec::new(),
        1 => vec![lo],
        _ => {
            let ratio = hi / lo;
            (0..d)
                .map(|k| {
                    if k == d - 1 {
                        hi
                    } else {
                        lo * ratio.powf(k as f64 / (d - 1) as f64)
                    }
                })
                .collect()
        }
    })
}

/// A symmetric matrix with eigenvalues `eigs` in a random orthonormal basis, and a random point.
///
/// Returns `(A, x_star)` with A = Qᵀ diag(eigs) Q, Q from [`random_orthogonal`] (A is made exactly symmetric), and
/// x* ~ N(0, I) drawn after Q from the same generator. The quadratic f(x) = ½ (x − x*)ᵀ A (x − x*) then has
/// Hessian A, condition number max/min eig (for positive eigs) and minimizer x*; its linear term is b = A x*.
pub fn quadratic_with_spectrum(eigs: &[f64], seed: u64) -> Result<(Array2<f64>, Array1<f64>)> {
    if let Some(&bad) = eigs.iter().find(|e| !e.is_finite()) {
        return Err(invalid("eigs", bad, "eigenvalues must be finite"));
    }
    let d = eigs.len();
    let mut rng = StdRng::seed_from_u64(seed);
    let q = random_orthogonal(d, &mut rng);
    let mut scaled = q.clone();
    for (mut row, &lambda) in scaled.rows_mut().into_iter().zip(eigs) {
        row *= lambda;
    }
    let mut a = q.t().dot(&scaled);
    symmetrize(&mut a);
    let x_star = Array1::from(standard_normal_vec(&mut rng, d));
    Ok((a, x_star))
}

/// Replaces a square matrix by (A + Aᵀ)/2, making it exactly symmetric.
fn symmetrize(a: &mut Array2<f64>) {
    let d = a.nrows();
    for i in 0..d {
        for j in (i + 1)..d {
            let avg = 0.5 * (a[[i, j]] + a[[j, i]]);
            a[[i, j]] = avg;
            a[[j, i]] = avg;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn bits(a: &Array2<f64>) -> Vec<u64> {
        a.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn gaussian_logistic_is_deterministic_and_standardized() {
        let (x1, y1) = correlated_gaussian_logistic(2000, 6, 7);
        let (x2, y2) = correlated_gaussian_logistic(2000, 6, 7);
        let (x3, _) = correlated_gaussian_logistic(2000, 6, 8);
        assert_eq!(bits(&x1), bits(&x2));
        assert_eq!(y1, y2);
        assert_ne!(bits(&x1), bits(&x3));
        assert!(y1.iter().all(|&t| t == 1.0 || t == -1.0));
        for col in x1.columns() {
            let mean = col.mean().unwrap();
            let var = col.mapv(|v| (v - mean).powi(2)).mean().unwrap();
            assert_abs_diff_eq!(mean, 0.0, epsilon = 1e-12);
            assert_abs_diff_eq!(var, 1.0, epsilon = 1e-12);
        }
        // Neighbouring columns are correlated about 0.5, columns two apart about 0.25.
        let corr = |a: usize, b: usize| (&x1.column(a) * &x1.column(b)).mean().unwrap();
        assert!((corr(0, 1) - 0.5).abs() < 0.06, "{}", corr(0, 1));
        assert!((corr(2, 4) - 0.25).abs() < 0.06, "{}", corr(2, 4));
        // Labels depend on the features: both classes occur.
        let positives = y1.iter().filter(|&&t| t > 0.0).count();
        assert!(positives > 500 && positives < 1500);
    }

    #[test]
    fn gaussian_logistic_degenerate_sizes() {
        let (x, y) = correlated_gaussian_logistic(0, 3, 1);
        assert_eq!((x.dim(), y.len()), ((0, 3), 0));
        let (x, y) = correlated_gaussian_logistic(4, 0, 1);
        assert_eq!((x.dim(), y.len()), ((4, 0), 4));
    }

    #[test]
    fn sigmoid_is_stable() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_abs_diff_eq!(sigmoid(2.0) + sigmoid(-2.0), 1.0, epsilon = 1e-15);
    }

    #[test]
    fn bag_of_words_shape_density_values_and_labels() {
        let (n, d, density) = (4000, 2000, 0.01);
        let (x, y) = sparse_bag_of_words(n, d, density, 3).unwrap();
        let (x2, y2) = sparse_bag_of_words(n, d, density, 3).unwrap();
        let (x3, _) = sparse_bag_of_words(n, d, density, 4).unwrap();
        assert_eq!(x, x2);
        assert_eq!(y, y2);
        assert_ne!(x, x3);
        assert_eq!((x.nrows(), x.ncols()), (n, d));
        let realized = x.nnz() as f64 / (n * d) as f64;
        assert!((realized / density - 1.0).abs() < 0.05, "density {realized}");
        for i in 0..n {
            let (idx, val) = x.row(i);
            assert!(!idx.is_empty());
            assert!(val.iter().all(|&v| v > 0.0));
            assert_abs_diff_eq!(val.iter().map(|v| v * v).sum::<f64>(), 1.0, epsilon = 1e-12);
        }
        // Zipf: the first word is far more common than a word in the tail.
        let df = |j: u32| x.indices().iter().filter(|&&k| k == j).count();
        assert!(df(0) > 10 * df(1000).max(1));
        let positives = y.iter().filter(|&&t| t > 0.0).count();
        assert!((positives as f64 / n as f64 - 0.5).abs() < 0.05, "{positives}");
    }

    #[test]
    fn bag_of_words_extreme_densities() {
        // Tiny density: one word per document.
        let (x, _) = sparse_bag_of_words(100, 1000, 1e-6, 0).unwrap();
        assert_eq!(x.nnz(), 100);
        // Highest density on a small vocabulary: the fallback fill keeps it fast and exact-length.
        let (x, _) = sparse_bag_of_words(50, 10, 0.5, 0).unwrap();
        assert!((x.nnz() as f64 / 500.0 - 0.5).abs() < 0.1);
        let (x, y) = sparse_bag_of_words(1, 1, 0.5, 0).unwrap();
        assert_eq!((x.nnz(), y.len()), (1, 1));
    }

    #[test]
    fn bag_of_words_rejects_bad_parameters() {
        use crate::error::DataError;
        let bad = |r: Result<(Csr, Array1<f64>)>, which: &str| {
            assert!(matches!(r, Err(DataError::InvalidParameter { name, .. }) if name == which));
        };
        bad(sparse_bag_of_words(0, 10, 0.1, 0), "n");
        bad(sparse_bag_of_words(10, 0, 0.1, 0), "d");
        bad(sparse_bag_of_words(10, 10, 0.0, 0), "density");
        bad(sparse_bag_of_words(10, 10, 0.6, 0), "density");
        bad(sparse_bag_of_words(10, 10, f64::NAN, 0), "density");
    }

    #[test]
    fn random_orthogonal_is_orthogonal_and_seeded() {
        let q = random_orthogonal(60, &mut StdRng::seed_from_u64(1));
        let qqt = q.dot(&q.t());
        for ((i, j), &v) in qqt.indexed_iter() {
            assert_abs_diff_eq!(v, if i == j { 1.0 } else { 0.0 }, epsilon = 1e-13);
        }
        let again = random_orthogonal(60, &mut StdRng::seed_from_u64(1));
        assert_eq!(bits(&q), bits(&again));
        assert_eq!(random_orthogonal(0, &mut StdRng::seed_from_u64(1)).dim(), (0, 0));
    }

    #[test]
    fn spectra() {
        assert_eq!(spectrum_linspace(1.0, 3.0, 3).unwrap(), vec![1.0, 2.0, 3.0]);
        assert_eq!(spectrum_linspace(1.0, 3.0, 1).unwrap(), vec![1.0]);
        assert!(spectrum_linspace(1.0, 3.0, 0).unwrap().is_empty());
        let g = spectrum_geometric(1e-3, 10.0, 5).unwrap();
        assert_eq!((g[0], g[4]), (1e-3, 10.0));
        assert_abs_diff_eq!(g[2], 0.1, epsilon = 1e-15);
        assert!(spectrum_geometric(0.0, 1.0, 3).is_err());
        assert!(spectrum_linspace(f64::NAN, 1.0, 3).is_err());
    }

    #[test]
    fn quadratic_has_the_requested_spectrum() {
        let eigs = spectrum_geometric(0.01, 100.0, 20).unwrap();
        let (a, x_star) = quadratic_with_spectrum(&eigs, 5).unwrap();
        assert_eq!(a, a.t());
        assert_eq!(x_star.len(), 20);
        // trace(A) = Σ eigs, trace(A²) = Σ eigs², and A qᵢ = λᵢ qᵢ for the rows of the same Q.
        let trace: f64 = a.diag().sum();
        assert_abs_diff_eq!(trace, eigs.iter().sum::<f64>(), epsilon = 1e-10);
        let trace_sq: f64 = a.dot(&a).diag().sum();
        assert_abs_diff_eq!(trace_sq, eigs.iter().map(|e| e * e).sum::<f64>(), epsilon = 1e-8);
        let q = random_orthogonal(20, &mut StdRng::seed_from_u64(5));
        for (k, &lambda) in eigs.iter().enumerate() {
            let qk = q.row(k);
            let aq = a.dot(&qk);
            for (u, v) in aq.iter().zip(qk.iter()) {
                assert_abs_diff_eq!(*u, lambda * v, epsilon = 1e-11);
            }
        }
        let (a2, x2) = quadratic_with_spectrum(&eigs, 5).unwrap();
        assert_eq!(bits(&a), bits(&a2));
        assert_eq!(x_star, x2);
        assert!(quadratic_with_spectrum(&[1.0, f64::INFINITY], 0).is_err());
    }
}
