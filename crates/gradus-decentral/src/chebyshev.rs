//! Chebyshev acceleration of gossip, P_K(W) = I − T_K(c₂(I − c₃W))/T_K(c₂) (Scaman et al. 2017, Alg. 2), and the
//! [`GossipOperator`] the dual methods use (c·W or c·P_K(W)).
//!
//! With γ = λ_min⁺/λ_max, c₁ = (1 − √γ)/(1 + √γ), c₂ = (1 + γ)/(1 − γ), c₃ = 2/((1 + γ)λ_max) and K = ⌊1/√γ⌋ by
//! default:
//! - P_K(W) is a polynomial of degree K in W, so one product costs K gossip rounds and no gradient;
//! - it is symmetric PSD with the kernel of W;
//! - its nonzero eigenvalues lie in [(1 − c₁ᴷ)²/(1 + c₁²ᴷ), (1 + c₁ᴷ)²/(1 + c₁²ᴷ)] ([`Chebyshev::bounds`]), so its
//!   condition number is at most ((1 + c₁ᴷ)/(1 − c₁ᴷ))², about 1.8–3 at the default K whatever κ_W.
//!
//! The product is the three-term recurrence
//! ```text
//! a₀ = 1, a₁ = c₂,  X₀ = X, X₁ = c₂(X − c₃WX)
//! a_{t+1} = 2c₂a_t − a_{t−1},  X_{t+1} = 2c₂(X_t − c₃WX_t) − X_{t−1}
//! P_K(W)X = X − X_K/a_K
//! ```
//! For K = 1 it is c₃·W X (which also covers γ = 1, where c₂ is infinite).

use gradus_oracle::Work;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip};

use crate::error::{DecentralError, Result};
use crate::gossip::Spectrum;
use crate::network::Communicator;

/// The constants of P_K(W).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chebyshev {
    /// The degree K (gossip rounds per product).
    pub k: usize,
    /// c₁ = (1 − √γ)/(1 + √γ).
    pub c1: f64,
    /// c₂ = (1 + γ)/(1 − γ) (infinite when γ = 1).
    pub c2: f64,
    /// c₃ = 2/((1 + γ)λ_max).
    pub c3: f64,
}

impl Chebyshev {
    /// The polynomial for a gossip matrix with this spectrum, of degree `k` (None: K = ⌊1/√γ⌋ = ⌊√κ_W⌋, at least 1).
    ///
    /// Errors: k = Some(0).
    pub fn new(spectrum: &Spectrum, k: Option<usize>) -> Result<Self> {
        let gamma = (spectrum.lambda_min_pos / spectrum.lambda_max).min(1.0);
        let k = match k {
            Some(0) => {
                return Err(DecentralError::InvalidParameter {
                    solver: "chebyshev",
                    name: "k",
                    value: "0".into(),
                    reason: "must be >= 1",
                });
            }
            Some(k) => k,
            None => ((1.0 / gamma.sqrt()).floor() as usize).max(1),
        };
        let sg = gamma.sqrt();
        Ok(Chebyshev {
            k,
            c1: (1.0 - sg) / (1.0 + sg),
            c2: (1.0 + gamma) / (1.0 - gamma),
            c3: 2.0 / ((1.0 + gamma) * spectrum.lambda_max),
        })
    }

    /// The interval [lo, hi] holding the nonzero eigenvalues of P_K(W).
    pub fn bounds(&self) -> (f64, f64) {
        let ck = self.c1.powi(self.k as i32);
        let den = 1.0 + ck * ck;
        ((1.0 - ck).powi(2) / den, (1.0 + ck).powi(2) / den)
    }

    /// The spectrum of P_K(W) as known from its bounds (what parameter rules use).
    pub fn spectrum(&self) -> Spectrum {
        let (lo, hi) = self.bounds();
        Spectrum::from_bounds(lo, hi)
    }

    /// P_K(t) for a scalar t, by the same recurrence (for tests and plots).
    pub fn polynomial(&self, t: f64) -> f64 {
        if self.k == 1 {
            return self.c3 * t;
        }
        let (mut a_prev, mut a) = (1.0, self.c2);
        let (mut x_prev, mut x) = (1.0, self.c2 * (1.0 - self.c3 * t));
        for _ in 1..self.k {
            let a_next = 2.0 * self.c2 * a - a_prev;
            let x_next = 2.0 * self.c2 * (x - self.c3 * t * x) - x_prev;
            (a_prev, a) = (a, a_next);
            (x_prev, x) = (x, x_next);
        }
        1.0 - x / a
    }

    /// P_K(W) as a dense matrix, by the matrix form I − T_K(c₂(I − c₃W))/T_K(c₂) (for centralized reference
    /// computations and tests; independent of the row recurrence of [`Chebyshev::apply`]).
    pub fn dense(&self, w: &Array2<f64>) -> Array2<f64> {
        let m = w.nrows();
        let eye = Array2::<f64>::eye(m);
        if self.k == 1 {
            return w * self.c3;
        }
        let arg = (&eye - &(w * self.c3)) * self.c2;
        let (mut t_prev, mut t) = (eye.clone(), arg.clone());
        let (mut s_prev, mut s) = (1.0, self.c2);
        for _ in 1..self.k {
            let t_next = arg.dot(&t) * 2.0 - &t_prev;
            let s_next = 2.0 * self.c2 * s - s_prev;
            (t_prev, t) = (t, t_next);
            (s_prev, s) = (s, s_next);
        }
        &eye - &(t / s)
    }

    /// out = P_K(W)·x with K gossip rounds, using `buf` as scratch (no allocation).
    pub fn apply(
        &self,
        comm: &dyn Communicator,
        x: ArrayView2<f64>,
        mut out: ArrayViewMut2<f64>,
        work: &mut Work,
        buf: &mut GossipBuffers,
    ) {
        if self.k == 1 {
            comm.gossip(x, out.view_mut(), work);
            out.mapv_inplace(|v| self.c3 * v);
            return;
        }
        let (c2, c3) = (self.c2, self.c3);
        // prev = X, cur = c2 (X − c3 W X)
        buf.prev.assign(&x);
        comm.gossip(x, buf.w.view_mut(), work);
        Zip::from(&mut buf.cur)
            .and(&x)
            .and(&buf.w)
            .for_each(|c, &xv, &wv| *c = c2 * (xv - c3 * wv));
        let (mut a_prev, mut a) = (1.0, c2);
        for _ in 1..self.k {
            comm.gossip(buf.cur.view(), buf.w.view_mut(), work);
            // next = 2 c2 (cur − c3 W cur) − prev, written over prev, then swap.
            Zip::from(&mut buf.prev)
                .and(&buf.cur)
                .and(&buf.w)
                .for_each(|p, &c, &wv| *p = 2.0 * c2 * (c - c3 * wv) - *p);
            std::mem::swap(&mut buf.prev, &mut buf.cur);
            (a_prev, a) = (a, 2.0 * c2 * a - a_prev);
        }
        let inv = 1.0 / a;
        Zip::from(&mut out)
            .and(&x)
            .and(&buf.cur)
            .for_each(|o, &xv, &c| *o = xv - c * inv);
    }
}

/// Scratch matrices for [`Chebyshev::apply`] (allocated once per solver).
#[derive(Debug, Clone)]
pub struct GossipBuffers {
    prev: Array2<f64>,
    cur: Array2<f64>,
    w: Array2<f64>,
}

impl GossipBuffers {
    /// Buffers for `rows` × `d` node blocks.
    pub fn new(rows: usize, d: usize) -> Self {
        GossipBuffers {
            prev: Array2::zeros((rows, d)),
            cur: Array2::zeros((rows, d)),
            w: Array2::zeros((rows, d)),
        }
    }
}

/// The gossip a dual method uses: `scale`·W (one round per product) or `scale`·P_K(W) (K rounds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GossipOperator {
    /// The factor c in c·W or c·P_K(W).
    pub scale: f64,
    /// Chebyshev acceleration, if any.
    pub chebyshev: Option<Chebyshev>,
}

impl GossipOperator {
    /// Plain W.
    pub fn plain() -> Self {
        GossipOperator {
            scale: 1.0,
            chebyshev: None,
        }
    }

    /// P_K(W) with the default K for this spectrum (or the given one).
    pub fn chebyshev(spectrum: &Spectrum, k: Option<usize>) -> Result<Self> {
        Ok(GossipOperator {
            scale: 1.0,
            chebyshev: Some(Chebyshev::new(spectrum, k)?),
        })
    }

    /// Gossip rounds per product.
    pub fn rounds(&self) -> usize {
        self.chebyshev.map_or(1, |c| c.k)
    }

    /// The spectrum parameter rules should use: W's own, or P_K(W)'s bounds; scaled by `scale`.
    pub fn spectrum(&self, w: &Spectrum) -> Spectrum {
        let (lo, hi) = match &self.chebyshev {
            None => (w.lambda_min_pos, w.lambda_max),
            Some(c) => c.bounds(),
        };
        Spectrum::from_bounds(self.scale * lo, self.scale * hi)
    }

    /// The operator as a dense matrix, given the dense W (centralized reference computations).
    pub fn dense(&self, w: &Array2<f64>) -> Array2<f64> {
        let base = match &self.chebyshev {
            None => w.clone(),
            Some(c) => c.dense(w),
        };
        base * self.scale
    }

    /// out = scale · (W or P_K(W)) · x.
    pub fn apply(
        &self,
        comm: &dyn Communicator,
        x: ArrayView2<f64>,
        mut out: ArrayViewMut2<f64>,
        work: &mut Work,
        buf: &mut GossipBuffers,
    ) {
        match &self.chebyshev {
            None => comm.gossip(x, out.view_mut(), work),
            Some(c) => c.apply(comm, x, out.view_mut(), work, buf),
        }
        if self.scale != 1.0 {
            out.mapv_inplace(|v| self.scale * v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::{GossipKind, GossipMatrix, eigenvalues_ascending};
    use crate::graph::Graph;
    use crate::network::Simulator;

    fn naive(w: &Array2<f64>, c: &Chebyshev) -> Array2<f64> {
        c.dense(w)
    }

    #[test]
    fn ring_of_ten_matches_the_spec() {
        let w = GossipMatrix::from_graph(&Graph::ring(10).unwrap(), GossipKind::Laplacian).unwrap();
        let c = Chebyshev::new(w.spectrum(), None).unwrap();
        assert_eq!(c.k, 3);
        let p = naive(w.dense(), &c);
        let eig = eigenvalues_ascending(&p);
        assert!(eig[0].abs() < 1e-12);
        assert!(
            (eig[1] - 0.712).abs() < 1e-3 && (eig[9] - 1.288).abs() < 1e-3,
            "{eig:?}"
        );
    }

    #[test]
    fn spectrum_of_p_k_lies_in_its_bounds_and_products_match() {
        let graphs = [
            Graph::ring(30).unwrap(),
            Graph::torus(4, 5).unwrap(),
            Graph::barbell(16).unwrap(),
            Graph::erdos_renyi(25, 0.15, 4, 100).unwrap(),
            Graph::complete(6).unwrap(),
            Graph::path(12).unwrap(),
        ];
        for g in &graphs {
            for kind in [GossipKind::Laplacian, GossipKind::MetropolisHastings] {
                let w = GossipMatrix::from_graph(g, kind).unwrap();
                for k in [None, Some(1), Some(2), Some(5)] {
                    let c = Chebyshev::new(w.spectrum(), k).unwrap();
                    let p = naive(w.dense(), &c);
                    let eig = eigenvalues_ascending(&p);
                    let (lo, hi) = c.bounds();
                    assert!(eig[0].abs() < 1e-9, "{} kernel {}", g.name(), eig[0]);
                    for &l in &eig[1..] {
                        assert!(
                            l >= lo - 1e-9 && l <= hi + 1e-9,
                            "{} K={} {l} not in [{lo}, {hi}]",
                            g.name(),
                            c.k
                        );
                    }
                    // The row recurrence equals the naive matrix polynomial, at K rounds.
                    let sim = Simulator::new(w.clone());
                    let m = g.nodes();
                    let x = Array2::from_shape_fn((m, 3), |(i, j)| ((i * 5 + j * 7) % 13) as f64 - 6.0);
                    let mut out = Array2::zeros((m, 3));
                    let mut work = Work::default();
                    c.apply(&sim, x.view(), out.view_mut(), &mut work, &mut GossipBuffers::new(m, 3));
                    assert_eq!(work.communication_rounds, c.k as u64);
                    let reference = p.dot(&x);
                    assert!((&out - &reference).iter().all(|v| v.abs() < 1e-9), "{}", g.name());
                    // The scalar polynomial agrees on the eigenvalues of W.
                    let mut mapped: Vec<f64> = eigenvalues_ascending(w.dense())
                        .iter()
                        .map(|&l| c.polynomial(l))
                        .collect();
                    mapped.sort_by(f64::total_cmp);
                    for (&a, &b) in mapped.iter().zip(&eig) {
                        assert!((a - b).abs() < 1e-9, "{} polynomial {a} vs eigenvalue {b}", g.name());
                    }
                }
            }
        }
    }

    #[test]
    fn k_zero_is_rejected() {
        let w = GossipMatrix::from_graph(&Graph::ring(5).unwrap(), GossipKind::Laplacian).unwrap();
        assert!(Chebyshev::new(w.spectrum(), Some(0)).is_err());
    }
}
