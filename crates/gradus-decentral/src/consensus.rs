//! Consensus problems min_x F(x) = Σᵢ fᵢ(x): node i holds fᵢ, one objective of the shared problem library, and
//! the global optimum x*, F* = F(x*) is computed centrally to 1e-12 for the metrics.
//!
//! - [`ConsensusProblem::quadratics`]: fᵢ(x) = ½(x − cᵢ)ᵀAᵢ(x − cᵢ) ([`Quadratic`]); x* solves (Σ Aᵢ)x = Σ Aᵢcᵢ
//!   by Cholesky plus iterative refinement; dual gradients ∇fᵢ*(−z) = cᵢ − Aᵢ⁻¹z are closed-form.
//!   [`ConsensusProblem::spec_quadratics`] is the spec's EXP-I2 family.
//! - [`ConsensusProblem::logistic_split`]: fᵢ = the L2-logistic [`LinearModel`] of the i-th of m equal row blocks;
//!   Σ fᵢ = m·f_global, whose optimum Newton's method certifies with ‖∇f‖ ≤ 1e-12 ([`certify_optimum`]).
//!
//! Node states are m × d matrices (row i = node i). [`ConsensusMonitor`] reports, at the stacked iterate X:
//! `subopt` = F(x̄) − F* with x̄ the mean row, `consensus_dist` = (1/m) Σᵢ ‖xᵢ − x*‖², and `rel_dist` =
//! consensus_dist / consensus_dist(X₀).

use gradus_classic::certify_optimum;
use gradus_oracle::{Design, LinearModel, Loss, Monitor, Objective, Quadratic, Work};
use nalgebra::{DMatrix, DVector};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, s};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::error::{DecentralError, Result};
use crate::network::Communicator;

/// The data of a quadratic node objective ½(x − c)ᵀA(x − c).
#[derive(Debug, Clone)]
pub struct QuadraticNode {
    /// A (symmetric positive definite).
    pub a: Array2<f64>,
    /// Its inverse (for dual gradients).
    pub a_inv: Array2<f64>,
    /// The local minimizer c.
    pub c: Array1<f64>,
}

/// m local objectives on a common Rᵈ and their global optimum.
pub struct ConsensusProblem {
    name: String,
    locals: Vec<Box<dyn Objective + Send + Sync>>,
    quadratic: Option<Vec<QuadraticNode>>,
    dim: usize,
    x_star: Array1<f64>,
    f_star: f64,
    mu: f64,
    l: f64,
}

impl std::fmt::Debug for ConsensusProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsensusProblem")
            .field("name", &self.name)
            .field("nodes", &self.locals.len())
            .field("dim", &self.dim)
            .field("mu", &self.mu)
            .field("l", &self.l)
            .finish()
    }
}

impl ConsensusProblem {
    /// Node i holds `locals[i]`, a μᵢ-strongly convex quadratic (μᵢ > 0).
    ///
    /// Errors: no node; dimensions that differ; μᵢ = 0; a Σ Aᵢ that Cholesky cannot factor.
    pub fn quadratics(name: impl Into<String>, locals: Vec<Quadratic>) -> Result<Self> {
        let d = check_nodes(locals.iter().map(|q| q.dim()).collect())?;
        let mut nodes = Vec::with_capacity(locals.len());
        let mut sum_a = DMatrix::<f64>::zeros(d, d);
        let mut rhs = DVector::<f64>::zeros(d);
        for (i, q) in locals.iter().enumerate() {
            if q.strong_convexity().is_nan() || q.strong_convexity() <= 0.0 {
                return Err(DecentralError::InvalidParameter {
                    solver: "consensus",
                    name: "node strong convexity",
                    value: format!("mu_{i} = {}", q.strong_convexity()),
                    reason: "every node objective must be strongly convex (mu > 0)",
                });
            }
            let a = q.matrix().clone();
            let c = q.solution().clone();
            let am = DMatrix::from_fn(d, d, |r, k| a[[r, k]]);
            let chol = am.clone().cholesky().ok_or_else(|| DecentralError::Numerical {
                what: "Cholesky of a node matrix A_i",
                reason: format!("A_{i} is not positive definite"),
            })?;
            let inv = chol.inverse();
            sum_a += &am;
            rhs += &am * DVector::from_iterator(d, c.iter().copied());
            nodes.push(QuadraticNode {
                a_inv: Array2::from_shape_fn((d, d), |(r, k)| inv[(r, k)]),
                a,
                c,
            });
        }
        let chol = sum_a.clone().cholesky().ok_or_else(|| DecentralError::Numerical {
            what: "Cholesky of Σ A_i",
            reason: "the sum of the node matrices is not positive definite".into(),
        })?;
        let mut x = chol.solve(&rhs);
        for _ in 0..3 {
            let r = &rhs - &sum_a * &x;
            x += chol.solve(&r);
        }
        let x_star = Array1::from_iter(x.iter().copied());
        let mu = locals
            .iter()
            .map(|q| q.strong_convexity())
            .fold(f64::INFINITY, f64::min);
        let l = locals.iter().map(|q| q.smoothness()).fold(0.0, f64::max);
        let f_star = locals.iter().map(|q| q.value(x_star.view())).sum();
        Ok(ConsensusProblem {
            name: name.into(),
            locals: locals
                .into_iter()
                .map(|q| Box::new(q) as Box<dyn Objective + Send + Sync>)
                .collect(),
            quadratic: Some(nodes),
            dim: d,
            x_star,
            f_star,
            mu,
            l,
        })
    }

    /// The spec's EXP-I2 family: m nodes, fᵢ(x) = ½(x − cᵢ)ᵀHᵢ(x − cᵢ) with diagonal Hᵢ; every node has
    /// coordinate 0 at μ = 1 and coordinate 1 at L = κ (so both the local and the global condition numbers are
    /// κ), the other coordinates log-uniform in [1, κ]; cᵢ uniform in [−1, 1]ᵈ. Seeded
    /// (`StdRng::seed_from_u64(seed)`). Needs d ≥ 2.
    ///
    /// (With μ and L on coordinates that rotate with i, the sum Σ Hᵢ is well conditioned and EXTRA needs ~150
    /// rounds instead of the spec's 11 508 = ln(1e10)/(2/κ); the spec's numbers imply a global κ of 1e3.)
    pub fn spec_quadratics(m: usize, d: usize, kappa: f64, seed: u64) -> Result<Self> {
        if d < 2 {
            return Err(crate::error::invalid(
                "spec_quadratics",
                "d",
                d as f64,
                "must be >= 2 (one coordinate at mu, one at L)",
            ));
        }
        if !(kappa.is_finite() && kappa >= 1.0) {
            return Err(crate::error::invalid(
                "spec_quadratics",
                "kappa",
                kappa,
                "must be finite and >= 1",
            ));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut locals = Vec::with_capacity(m);
        for _ in 0..m {
            let mut h = Array1::<f64>::zeros(d);
            for (j, hj) in h.iter_mut().enumerate() {
                let u: f64 = rng.random();
                *hj = if j == 0 {
                    1.0
                } else if j == 1 {
                    kappa
                } else {
                    kappa.powf(u)
                };
            }
            let c = Array1::from_shape_fn(d, |_| 2.0 * rng.random::<f64>() - 1.0);
            locals.push(Quadratic::new(Array2::from_diag(&h), c, 1.0, kappa)?);
        }
        ConsensusProblem::quadratics(format!("quadratics(m = {m}, d = {d}, κ = {kappa:e})"), locals)
    }

    /// L2-regularized logistic regression split over m nodes: node i gets rows i·n/m..(i+1)·n/m of (x, y)
    /// (the last n mod m rows are dropped), fᵢ(w) = (1/nᵢ) Σ log(1 + exp(−yⱼaⱼᵀw)) + (λ/2)‖w‖². The global optimum
    /// comes from Newton's method on all the kept rows, certified by ‖∇f‖ ≤ `tolerance`.
    pub fn logistic_split(x: Array2<f64>, y: Array1<f64>, m: usize, l2: f64, tolerance: f64) -> Result<Self> {
        if m == 0 || x.nrows() < m {
            return Err(DecentralError::DimensionMismatch {
                what: "samples (need at least one per node)",
                expected: m.max(1),
                got: x.nrows(),
            });
        }
        let per = x.nrows() / m;
        let n = per * m;
        let mut locals: Vec<Box<dyn Objective + Send + Sync>> = Vec::with_capacity(m);
        let mut mu = f64::INFINITY;
        let mut l = 0.0f64;
        for i in 0..m {
            let xi = x.slice(s![i * per..(i + 1) * per, ..]).to_owned();
            let yi = y.slice(s![i * per..(i + 1) * per]).to_owned();
            let model = LinearModel::new(Design::dense(xi)?, yi, Loss::Logistic, l2, 0.0)?;
            mu = mu.min(model.strong_convexity());
            l = l.max(model.smoothness());
            locals.push(Box::new(model));
        }
        let global = LinearModel::new(
            Design::dense(x.slice(s![..n, ..]).to_owned())?,
            y.slice(s![..n]).to_owned(),
            Loss::Logistic,
            l2,
            0.0,
        )?;
        let optimum = certify_optimum(&global, tolerance)?;
        let dim = x.ncols();
        Ok(ConsensusProblem {
            name: format!("logistic(n = {n}, d = {dim}, m = {m}, λ = {l2:e})"),
            locals,
            quadratic: None,
            dim,
            f_star: m as f64 * optimum.value,
            x_star: optimum.x,
            mu,
            l,
        })
    }

    /// A short description.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The number of nodes m.
    pub fn nodes(&self) -> usize {
        self.locals.len()
    }
    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// x*, the global minimizer.
    pub fn solution(&self) -> &Array1<f64> {
        &self.x_star
    }
    /// F* = Σᵢ fᵢ(x*).
    pub fn optimum(&self) -> f64 {
        self.f_star
    }
    /// μ = minᵢ μᵢ.
    pub fn strong_convexity(&self) -> f64 {
        self.mu
    }
    /// L = maxᵢ Lᵢ.
    pub fn smoothness(&self) -> f64 {
        self.l
    }
    /// κ = L/μ.
    pub fn condition_number(&self) -> f64 {
        self.l / self.mu
    }
    /// The local objective of node i.
    pub fn local(&self, i: usize) -> &dyn Objective {
        self.locals[i].as_ref()
    }
    /// The quadratic data of every node, when the problem is quadratic.
    pub fn quadratic_nodes(&self) -> Option<&[QuadraticNode]> {
        self.quadratic.as_deref()
    }

    /// F(x) = Σᵢ fᵢ(x) at a single point.
    pub fn value(&self, x: ArrayView1<f64>) -> f64 {
        self.locals.iter().map(|f| f.value(x)).sum()
    }

    /// Checks that a communicator fits this problem (same m).
    pub fn check_network(&self, comm: &dyn Communicator) -> Result<()> {
        if comm.nodes() != self.nodes() {
            return Err(DecentralError::DimensionMismatch {
                what: "network nodes vs problem nodes",
                expected: self.nodes(),
                got: comm.nodes(),
            });
        }
        Ok(())
    }

    /// out_i = ∇fᵢ(xᵢ) for every local node: one gradient computation (counted as one full gradient).
    pub fn gradients(&self, comm: &dyn Communicator, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, work: &mut Work) {
        comm.for_each_node(x, out, &|i, xi, gi| self.locals[i].gradient(xi, gi));
        work.full_gradients += 1;
    }

    /// out_i = argmin_x fᵢ(x) + ⟨zᵢ, x⟩ = ∇fᵢ*(−zᵢ) for every local node (closed form cᵢ − Aᵢ⁻¹zᵢ for quadratics):
    /// one dual-gradient computation, counted as one full gradient.
    ///
    /// Errors: [`DecentralError::Unsupported`] for non-quadratic problems, whose dual gradients need an inner solve
    /// ([`crate::dual::DualGradients`], what SSDA and MSDA use for them).
    pub fn dual_gradients(
        &self,
        comm: &dyn Communicator,
        z: ArrayView2<f64>,
        out: ArrayViewMut2<f64>,
        work: &mut Work,
    ) -> Result<()> {
        let nodes = self.quadratic.as_ref().ok_or_else(|| DecentralError::Unsupported {
            solver: "dual gradients",
            reason: "closed-form dual gradients need quadratic node objectives; use dual::DualGradients (inner solves)"
                .into(),
        })?;
        comm.for_each_node(z, out, &|i, zi, oi| quadratic_dual_gradient(&nodes[i], zi, oi));
        work.full_gradients += 1;
        Ok(())
    }
}

/// out = c − A⁻¹z, the minimizer of ½(x − c)ᵀA(x − c) + ⟨z, x⟩.
fn quadratic_dual_gradient(node: &QuadraticNode, z: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
    for (r, o) in out.iter_mut().enumerate() {
        *o = node.c[r] - node.a_inv.row(r).dot(&z);
    }
}

fn check_nodes(dims: Vec<usize>) -> Result<usize> {
    let Some(&d) = dims.first() else {
        return Err(DecentralError::InvalidParameter {
            solver: "consensus",
            name: "nodes",
            value: "0".into(),
            reason: "need at least one node",
        });
    };
    if let Some(&other) = dims.iter().find(|&&k| k != d) {
        return Err(DecentralError::DimensionMismatch {
            what: "node objective dimension",
            expected: d,
            got: other,
        });
    }
    Ok(d)
}

/// A flat view of a standard-layout m × d matrix (what [`gradus_oracle::Method::iterate`] returns).
pub fn flat(x: &Array2<f64>) -> ArrayView1<'_, f64> {
    ArrayView1::from(x.as_slice().expect("node states are standard-layout"))
}

/// The m × d view of a flat iterate.
pub fn unflat(x: ArrayView1<'_, f64>, d: usize) -> ArrayView2<'_, f64> {
    let m = x.len() / d.max(1);
    x.into_shape_with_order((m, d)).expect("an iterate of length m·d")
}

/// Metrics of a stacked iterate X (see the module docs): `subopt`, `consensus_dist`, `rel_dist`.
pub struct ConsensusMonitor<'a> {
    problem: &'a ConsensusProblem,
    initial: f64,
}

impl<'a> ConsensusMonitor<'a> {
    /// Monitors `problem`; `x0` (m × d) fixes the scale of `rel_dist` (1 when X₀ = X*).
    pub fn new(problem: &'a ConsensusProblem, x0: ArrayView2<f64>) -> Self {
        let d0 = consensus_distance(x0, problem.solution().view());
        ConsensusMonitor {
            problem,
            initial: if d0 > 0.0 { d0 } else { 1.0 },
        }
    }
}

/// (1/m) Σᵢ ‖xᵢ − x*‖².
pub fn consensus_distance(x: ArrayView2<f64>, x_star: ArrayView1<f64>) -> f64 {
    let mut s = 0.0;
    for row in x.axis_iter(Axis(0)) {
        s += row
            .iter()
            .zip(x_star.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>();
    }
    s / x.nrows().max(1) as f64
}

impl Monitor for ConsensusMonitor<'_> {
    fn names(&self) -> Vec<String> {
        vec!["subopt".into(), "consensus_dist".into(), "rel_dist".into()]
    }

    fn evaluate(&self, x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        let x = unflat(x, self.problem.dim());
        let mean = x.mean_axis(Axis(0)).expect("at least one node");
        out.push(self.problem.value(mean.view()) - self.problem.optimum());
        let dist = consensus_distance(x, self.problem.solution().view());
        out.push(dist);
        out.push(dist / self.initial);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::{GossipKind, GossipMatrix};
    use crate::graph::Graph;
    use crate::network::Simulator;

    #[test]
    fn quadratic_optimum_has_zero_gradient() {
        let p = ConsensusProblem::spec_quadratics(10, 5, 1e3, 1).unwrap();
        let mut g = Array1::zeros(5);
        let mut total = Array1::<f64>::zeros(5);
        for i in 0..10 {
            p.local(i).gradient(p.solution().view(), g.view_mut());
            total += &g;
        }
        assert!(total.iter().all(|v| v.abs() < 1e-12), "{total}");
        assert_eq!(p.condition_number(), 1e3);
        assert!(ConsensusProblem::spec_quadratics(3, 1, 10.0, 0).is_err());
    }

    #[test]
    fn dual_gradients_minimize_the_tilted_objective() {
        let p = ConsensusProblem::spec_quadratics(4, 3, 50.0, 2).unwrap();
        let sim = Simulator::new(GossipMatrix::from_graph(&Graph::ring(4).unwrap(), GossipKind::Laplacian).unwrap());
        let z = Array2::from_shape_fn((4, 3), |(i, j)| (i as f64) - (j as f64) * 0.5);
        let mut x = Array2::zeros((4, 3));
        let mut work = Work::default();
        p.dual_gradients(&sim, z.view(), x.view_mut(), &mut work).unwrap();
        let mut g = Array2::zeros((4, 3));
        p.gradients(&sim, x.view(), g.view_mut(), &mut work);
        assert!((&g + &z).iter().all(|v| v.abs() < 1e-12));
        assert_eq!(work.full_gradients, 2);
    }

    #[test]
    fn logistic_split_optimum_is_certified() {
        let (x, y) = gradus_data::generate::correlated_gaussian_logistic(400, 6, 3);
        let p = ConsensusProblem::logistic_split(x, y, 4, 1e-2, 1e-12).unwrap();
        let mut g = Array1::zeros(6);
        let mut total = Array1::<f64>::zeros(6);
        for i in 0..4 {
            p.local(i).gradient(p.solution().view(), g.view_mut());
            total += &g;
        }
        assert!(total.iter().all(|v| v.abs() < 1e-11), "{total}");
        assert!((p.value(p.solution().view()) - p.optimum()).abs() < 1e-12);
        assert!(
            p.dual_gradients(
                &Simulator::new(GossipMatrix::from_graph(&Graph::ring(4).unwrap(), GossipKind::Laplacian).unwrap()),
                Array2::zeros((4, 6)).view(),
                Array2::zeros((4, 6)).view_mut(),
                &mut Work::default()
            )
            .is_err()
        );
    }
}
