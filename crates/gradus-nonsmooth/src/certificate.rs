//! The (δ, ε)-stationarity certificate.
//!
//! x is (δ, ε)-stationary when dist(0, ∂_δ f(x)) ≤ ε, with the Goldstein δ-subdifferential
//! ∂_δ f(x) = conv(∪_{‖y − x‖ ≤ δ} ∂f(y)) (Zhang et al. 2020, Definition 4). Any generalized gradients
//! gᵢ ∈ ∂f(yᵢ) at points yᵢ ∈ B_δ(x) span a sub-hull of ∂_δ f(x), so the norm of the **minimum-norm point** of
//! conv{gᵢ} (computed exactly by [`min_norm_point`]) is an **upper bound** on dist(0, ∂_δ f(x)). A value ≤ ε
//! certifies (δ, ε)-stationarity; a larger value proves nothing.
//!
//! The sample points are: x itself, `uniform_samples` points uniform in B_δ(x), then up to `guided_probes` (256)
//! points y = x − sδû toward the current min-norm point w (s = 1 and û = ŵ first, then s ~ U(0, 1] and û the
//! normalised uniform point of B_{1/2}(ŵ)), each with the directional oracle in direction −û — INGD's own local search, but with the exact QP over every
//! gradient instead of a running average. Sampling stops as soon as the bound is ≤ ε, or after 32
//! probes while it is still above 4ε. Every point is checked to
//! lie in B_δ(x). The random draws are seeded by `seed` and by the bits of x, so the certificate of a point is
//! reproducible.

use std::cell::Cell;

use ndarray::{Array1, Array2, ArrayView1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use gradus_oracle::problems::nonsmooth_toys::normal;
use gradus_oracle::{DirectionalOracle, Monitor};

use crate::error::{Result, check_dim, check_finite, check_nonnegative, check_positive};
use crate::min_norm_point::min_norm_point;

/// Probes after which sampling stops if the bound is still above 4ε.
const EARLY_PROBES: usize = 32;

/// How to sample the certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateParams {
    /// δ > 0, the radius of the ball.
    pub delta: f64,
    /// ε ≥ 0: stop sampling once the bound is ≤ ε (0: use every sample).
    pub epsilon: f64,
    /// Points drawn uniformly in B_δ(x) (default 2·dim, at most 64).
    pub uniform_samples: Option<usize>,
    /// Guided probes toward the min-norm point (default 256; stops after 32 while the bound is above 4ε).
    pub guided_probes: usize,
    /// The base seed.
    pub seed: u64,
}

impl CertificateParams {
    /// Defaults for a given δ and ε.
    pub fn new(delta: f64, epsilon: f64) -> Self {
        CertificateParams {
            delta,
            epsilon,
            uniform_samples: None,
            guided_probes: 256,
            seed: 0,
        }
    }

    /// Checks δ > 0 and ε ≥ 0.
    pub fn validate(&self) -> Result<()> {
        check_positive("delta", self.delta)?;
        check_nonnegative("epsilon", self.epsilon)
    }
}

/// The outcome of [`certify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// The norm of the min-norm point of the sampled hull: an upper bound on dist(0, ∂_δ f(x)).
    pub bound: f64,
    /// The QP's own certified accuracy (norm − lower bound of [`crate::MinNormPoint`]).
    pub qp_gap: f64,
    /// Generalized gradients evaluated.
    pub gradients: usize,
    /// Whether bound ≤ ε.
    pub certified: bool,
}

/// A uniform point of the ball B_r(x) written into `out` (direction ~ N(0, I) normalised, radius r·U^{1/d}).
pub fn uniform_in_ball(x: ArrayView1<f64>, r: f64, rng: &mut StdRng, out: &mut Array1<f64>) {
    let d = x.len();
    let mut u = Array1::from_shape_fn(d, |_| normal(rng));
    let norm = u.dot(&u).sqrt().max(f64::MIN_POSITIVE);
    let radius = r * rng.random::<f64>().powf(1.0 / d as f64);
    u *= radius / norm;
    out.assign(&(&x + &u));
}

/// A seed mixing `seed` with the bits of x (FNV-1a), so that a point's certificate is reproducible.
fn point_seed(seed: u64, x: ArrayView1<f64>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for v in x {
        h ^= v.to_bits();
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Computes the (δ, ε) certificate at x (see the [module documentation](self)).
///
/// ```
/// use gradus_nonsmooth::{CertificateParams, certify};
/// use gradus_oracle::problems::AbsAbs;
/// use ndarray::array;
///
/// let f = AbsAbs::new(2).unwrap();
/// // x₁ = 1.05 lies within δ = 0.1 of the kink at 1: gradients (1, 0) and (−1, 0) certify it.
/// let c = certify(&f, array![1.05, 0.0].view(), &CertificateParams::new(0.1, 1e-2)).unwrap();
/// assert!(c.certified && c.bound < 1e-12);
/// // δ = 0.01 does not reach the kink: the bound stays at 1.
/// let c = certify(&f, array![1.05, 0.0].view(), &CertificateParams::new(0.01, 1e-2)).unwrap();
/// assert!(!c.certified && (c.bound - 1.0).abs() < 1e-12);
/// ```
pub fn certify(oracle: &dyn DirectionalOracle, x: ArrayView1<f64>, params: &CertificateParams) -> Result<Certificate> {
    params.validate()?;
    let d = oracle.dim();
    check_dim("x", d, x.len())?;
    check_finite("x", x.iter())?;
    let mut rng = StdRng::seed_from_u64(point_seed(params.seed, x));
    let uniform = params.uniform_samples.unwrap_or((2 * d).min(64));
    let mut rows: Vec<Array1<f64>> = Vec::with_capacity(1 + uniform + params.guided_probes);
    let mut g = Array1::zeros(d);
    oracle.generalized_gradient(x, g.view_mut());
    rows.push(g.clone());
    let mut y = Array1::zeros(d);
    for _ in 0..uniform {
        uniform_in_ball(x, params.delta, &mut rng, &mut y);
        oracle.generalized_gradient(y.view(), g.view_mut());
        rows.push(g.clone());
    }
    let mut qp = solve(&rows)?;
    for probe in 0..params.guided_probes {
        if qp.norm <= params.epsilon || qp.norm == 0.0 {
            break;
        }
        // Far from certifying after the first probes: stop early (keeps monitoring cheap).
        if probe >= EARLY_PROBES && qp.norm > 4.0 * params.epsilon {
            break;
        }
        let mut w_hat = &qp.point / qp.norm;
        let s = if probe == 0 { 1.0 } else { 1.0 - rng.random::<f64>() };
        if probe > 0 {
            // Perturb the direction (as Davis et al. do) so that repeated probes see different kinks.
            let mut u = Array1::zeros(d);
            uniform_in_ball(w_hat.view(), 0.5, &mut rng, &mut u);
            let n = u.dot(&u).sqrt().max(f64::MIN_POSITIVE);
            w_hat = u / n;
        }
        y.assign(&(&x - &(s * params.delta * &w_hat)));
        debug_assert!((&y - &x).dot(&(&y - &x)).sqrt() <= params.delta * (1.0 + 1e-12));
        let dir = -&w_hat; // −û
        oracle.directional_gradient(y.view(), dir.view(), g.view_mut());
        rows.push(g.clone());
        qp = solve(&rows)?;
    }
    Ok(Certificate {
        bound: qp.norm,
        qp_gap: qp.norm - qp.lower_bound,
        gradients: rows.len(),
        certified: qp.norm <= params.epsilon,
    })
}

fn solve(rows: &[Array1<f64>]) -> Result<crate::MinNormPoint> {
    let d = rows[0].len();
    let mut p = Array2::zeros((rows.len(), d));
    for (i, r) in rows.iter().enumerate() {
        p.row_mut(i).assign(r);
    }
    check_finite("gradients", p.iter())?;
    min_norm_point(p.view())
}

/// A [`Monitor`] with metrics `objective` (f(x)) and `certificate` (the bound of [`certify`]), for solvers that
/// have no stopping test of their own: run with `Stop::with_target("certificate", ε)`.
///
/// The certificate is computed on a geometric schedule of recorded rows (rows 0, 1, 2, …, then every time the
/// row count grows by `growth`), and is +∞ on the other rows, so monitoring costs O(log T) certificates.
pub struct CertificateMonitor<'a> {
    oracle: &'a dyn DirectionalOracle,
    params: CertificateParams,
    growth: f64,
    rows: Cell<u64>,
    next: Cell<f64>,
}

impl<'a> CertificateMonitor<'a> {
    /// A monitor evaluating the certificate on rows whose count grows geometrically by `growth` ≥ 1.
    pub fn new(oracle: &'a dyn DirectionalOracle, params: CertificateParams, growth: f64) -> Result<Self> {
        params.validate()?;
        if !(growth.is_finite() && growth >= 1.0) {
            return Err(crate::NonsmoothError::InvalidParameter {
                name: "growth",
                value: format!("{growth}"),
                reason: "must be >= 1",
            });
        }
        Ok(CertificateMonitor {
            oracle,
            params,
            growth,
            rows: Cell::new(0),
            next: Cell::new(0.0),
        })
    }
}

impl Monitor for CertificateMonitor<'_> {
    fn names(&self) -> Vec<String> {
        vec!["objective".into(), "certificate".into()]
    }
    fn evaluate(&self, x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        out.push(self.oracle.value(x));
        let row = self.rows.get();
        self.rows.set(row + 1);
        let cert = if row as f64 >= self.next.get() {
            self.next.set((row as f64 * self.growth).max(row as f64 + 1.0));
            certify(self.oracle, x, &self.params).map_or(f64::NAN, |c| c.bound)
        } else {
            f64::INFINITY
        };
        out.push(cert);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChebyshevRosenbrock, MaxAffine};
    use ndarray::array;

    #[test]
    fn certifies_known_stationary_points_and_rejects_others() {
        let m = MaxAffine::random(5, 10, 1).unwrap();
        let c = certify(&m, m.x_star.view(), &CertificateParams::new(1e-2, 1e-2)).unwrap();
        assert!(c.certified, "bound {}", c.bound);
        assert!(c.qp_gap < 1e-10);
        let far = &m.x_star + 1.0;
        let c = certify(&m, far.view(), &CertificateParams::new(1e-2, 1e-2)).unwrap();
        assert!(!c.certified);
        let cr = ChebyshevRosenbrock::new(2).unwrap();
        let c = certify(&cr, cr.minimizer().view(), &CertificateParams::new(1e-3, 1e-2)).unwrap();
        assert!(c.certified, "bound {}", c.bound);
        let c = certify(&cr, array![0.0, -1.0].view(), &CertificateParams::new(1e-3, 1e-2)).unwrap();
        assert!(!c.certified && c.bound > 0.1);
        // Reproducible.
        let a = certify(&cr, array![0.3, -0.5].view(), &CertificateParams::new(1e-2, 0.0)).unwrap();
        let b = certify(&cr, array![0.3, -0.5].view(), &CertificateParams::new(1e-2, 0.0)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let cr = ChebyshevRosenbrock::new(2).unwrap();
        assert!(certify(&cr, array![0.0, 0.0].view(), &CertificateParams::new(0.0, 1e-2)).is_err());
        assert!(certify(&cr, array![0.0, 0.0].view(), &CertificateParams::new(1e-2, -1.0)).is_err());
        assert!(certify(&cr, array![0.0].view(), &CertificateParams::new(1e-2, 1e-2)).is_err());
    }
}
