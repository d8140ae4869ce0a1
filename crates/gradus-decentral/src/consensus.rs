//! Node-local consensus problems min_x F(x) = Σᵢ fᵢ(x) and the collective [`ConsensusMonitor`].
//!
//! A process builds a [`LocalProblem`] holding only **its own nodes'** objectives fᵢ: any
//! [`gradus_oracle::Objective`] (so any user type), each with its μᵢ > 0 and Lᵢ ([`LocalNode`]). Quadratic nodes
//! keep closed-form dual gradients ∇fᵢ*(−z) = cᵢ − Aᵢ⁻¹z ([`LocalNode::quadratic`]). The built-in problems are
//! constructors that shard, so that a process builds its nodes without the others':
//!
//! - [`LocalProblem::spec_quadratics`]: the spec's EXP-I2 family, node i generated from (seed, i);
//! - [`LocalProblem::linear_model_split`]: a design + labels split over m nodes in equal blocks, contiguous or after
//!   a seeded permutation ([`Partition`]); node i's fᵢ is the [`LinearModel`] of its rows (mean loss + (λ/2)‖w‖²).
//!
//! Global constants (μ = minᵢ μᵢ, L = maxᵢ Lᵢ, the dimension) come from one all-reduce at the setup of every solver
//! ([`NetworkConstants::reduce`]), reported as setup cost (not in the run's trace). A reference optimum x*, F* is
//! optional ([`LocalProblem::with_reference`]); [`LocalProblem::central_reference`] and [`linear_model_reference`]
//! compute it when the caller has every node.
//!
//! Node states are (local nodes) × d matrices, row r = node `node_range().start + r`. [`ConsensusMonitor`]
//! reports, collectively (every process gets the same values: reductions sum in node order), at the local rows:
//! `objective` = F(x̄) with x̄ the mean of every node's row, `consensus_error` = (1/m) Σᵢ ‖xᵢ − x̄‖², and with a
//! reference `subopt` = F(x̄) − F*, `consensus_dist` = (1/m) Σᵢ ‖xᵢ − x*‖², `rel_dist` = consensus_dist /
//! consensus_dist(X₀). Its reductions are diagnostics, not counted in the work.

use std::cell::RefCell;
use std::ops::Range;

use gradus_classic::{LbfgsParams, certify_optimum};
use gradus_oracle::{Csr, Design, LinearModel, Loss, Monitor, NoMetrics, Objective, Quadratic, RunConfig, Silent};
use gradus_oracle::{Status, Stop, Work};
use nalgebra::{DMatrix, DVector};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
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

/// One node's objective fᵢ with its constants μᵢ > 0, Lᵢ ≥ μᵢ, and optionally its quadratic data.
pub struct LocalNode {
    objective: Box<dyn Objective + Send + Sync>,
    mu: f64,
    l: f64,
    quadratic: Option<QuadraticNode>,
}

impl std::fmt::Debug for LocalNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalNode")
            .field("dim", &self.objective.dim())
            .field("mu", &self.mu)
            .field("l", &self.l)
            .field("quadratic", &self.quadratic.is_some())
            .finish()
    }
}

impl LocalNode {
    /// A node with the objective's own constants ([`Objective::strong_convexity`], [`Objective::smoothness`]).
    ///
    /// Errors: μᵢ not finite and > 0, or Lᵢ not finite and ≥ μᵢ (give them with [`LocalNode::with_constants`]).
    pub fn new(objective: impl Objective + Send + 'static) -> Result<Self> {
        let (mu, l) = (objective.strong_convexity(), objective.smoothness());
        Self::with_constants(objective, mu, l)
    }

    /// A node with the given μᵢ and Lᵢ.
    ///
    /// Errors: μᵢ not finite and > 0, or Lᵢ not finite and ≥ μᵢ.
    pub fn with_constants(objective: impl Objective + Send + 'static, mu: f64, l: f64) -> Result<Self> {
        check_constants(mu, l)?;
        Ok(LocalNode {
            objective: Box::new(objective),
            mu,
            l,
            quadratic: None,
        })
    }

    /// A quadratic node ½(x − c)ᵀA(x − c) with closed-form dual gradients.
    ///
    /// Errors: μ = 0, or an A that Cholesky cannot factor.
    pub fn quadratic(q: Quadratic) -> Result<Self> {
        let d = q.dim();
        let a = q.matrix().clone();
        let c = q.solution().clone();
        let chol = DMatrix::from_fn(d, d, |r, k| a[[r, k]])
            .cholesky()
            .ok_or_else(|| DecentralError::Numerical {
                what: "Cholesky of a node matrix A_i",
                reason: "A_i is not positive definite".into(),
            })?;
        let inv = chol.inverse();
        let (mu, l) = (q.strong_convexity(), q.smoothness());
        check_constants(mu, l)?;
        Ok(LocalNode {
            objective: Box::new(q),
            mu,
            l,
            quadratic: Some(QuadraticNode {
                a_inv: Array2::from_shape_fn((d, d), |(r, k)| inv[(r, k)]),
                a,
                c,
            }),
        })
    }

    /// fᵢ.
    pub fn objective(&self) -> &dyn Objective {
        self.objective.as_ref()
    }
    /// μᵢ.
    pub fn strong_convexity(&self) -> f64 {
        self.mu
    }
    /// Lᵢ.
    pub fn smoothness(&self) -> f64 {
        self.l
    }
    /// The quadratic data, when the node is quadratic.
    pub fn quadratic_data(&self) -> Option<&QuadraticNode> {
        self.quadratic.as_ref()
    }
}

fn check_constants(mu: f64, l: f64) -> Result<()> {
    if !(mu.is_finite() && mu > 0.0) {
        return Err(crate::error::invalid(
            "consensus",
            "node strong convexity mu_i",
            mu,
            "every node objective must be strongly convex (finite mu > 0)",
        ));
    }
    if !(l.is_finite() && l >= mu) {
        return Err(crate::error::invalid(
            "consensus",
            "node smoothness L_i",
            l,
            "must be finite and >= mu_i",
        ));
    }
    Ok(())
}

/// A reference optimum of the whole network's problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// x*.
    pub x_star: Array1<f64>,
    /// F* = Σᵢ fᵢ(x*).
    pub f_star: f64,
}

/// How a data set is split over the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// Node i gets rows i·p..(i + 1)·p, p = ⌊n/m⌋ (the last n mod m rows are dropped).
    Contiguous,
    /// The rows are permuted by a Fisher–Yates shuffle with `StdRng::seed_from_u64(seed)`, then split like
    /// `Contiguous`.
    Seeded(u64),
}

impl Partition {
    /// The rows of node i of m for n samples.
    pub fn rows(&self, n: usize, m: usize, i: usize) -> Vec<usize> {
        let per = n / m.max(1);
        match self {
            Partition::Contiguous => (i * per..(i + 1) * per).collect(),
            Partition::Seeded(seed) => {
                let perm = seeded_permutation(n, *seed);
                perm[i * per..(i + 1) * per].to_vec()
            }
        }
    }
}

/// A Fisher–Yates permutation of 0..n from `StdRng::seed_from_u64(seed)`.
pub fn seeded_permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut perm: Vec<usize> = (0..n).collect();
    for k in (1..n).rev() {
        let j = rng.random_range(0..=k);
        perm.swap(k, j);
    }
    perm
}

/// The rows `rows` of a design, as a new design of the same kind.
pub fn select_rows(design: &Design, rows: &[usize]) -> Result<Design> {
    Ok(match design {
        Design::Dense(a) => Design::dense(a.view().select(Axis(0), rows))?,
        Design::Sparse(c) => {
            let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
            for &r in rows {
                let (idx, val) = c.row(r);
                indices.extend_from_slice(idx);
                data.extend_from_slice(val);
                indptr.push(indices.len());
            }
            Design::sparse(Csr::new(rows.len(), c.ncols(), indptr, indices, data)?)?
        }
    })
}

/// A seed for node i of a problem seeded with `seed` (splitmix64 of seed and i), so that any process can generate
/// its own nodes.
pub fn node_seed(seed: u64, node: usize) -> u64 {
    let mut z = seed
        .wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(node as u64 + 1))
        .wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The nodes of a consensus problem that this process holds.
pub struct LocalProblem {
    name: String,
    first: usize,
    locals: Vec<LocalNode>,
    dim: usize,
    reference: Option<Reference>,
}

impl std::fmt::Debug for LocalProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalProblem")
            .field("name", &self.name)
            .field("nodes", &self.node_range())
            .field("dim", &self.dim)
            .field("reference", &self.reference.is_some())
            .finish()
    }
}

/// The global constants of a network problem, from one all-reduce at setup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkConstants {
    /// μ = minᵢ μᵢ.
    pub mu: f64,
    /// L = maxᵢ Lᵢ.
    pub l: f64,
    /// The common dimension d.
    pub dim: usize,
    /// The setup's cost: one all-reduce (max) of 4 values per node (Lᵢ, −μᵢ, d, −d).
    pub setup: Work,
}

impl NetworkConstants {
    /// Reduces the constants of every node over the network (one counted all-reduce, in `setup`).
    ///
    /// Errors: nodes of different dimensions (on every process).
    pub fn reduce(problem: &LocalProblem, comm: &dyn Communicator) -> Result<Self> {
        let d = problem.dim as f64;
        let local = Array2::from_shape_fn((problem.locals.len(), 4), |(r, k)| {
            let n = &problem.locals[r];
            [n.l, -n.mu, d, -d][k]
        });
        let mut out = Array1::zeros(4);
        let mut setup = Work::default();
        comm.all_reduce_max(local.view(), out.view_mut(), Some(&mut setup));
        if out[2] != -out[3] {
            return Err(DecentralError::DimensionMismatch {
                what: "node objective dimension (largest over the network vs smallest)",
                expected: out[2] as usize,
                got: (-out[3]) as usize,
            });
        }
        Ok(NetworkConstants {
            mu: -out[1],
            l: out[0],
            dim: out[2] as usize,
            setup,
        })
    }

    /// κ = L/μ.
    pub fn condition_number(&self) -> f64 {
        self.l / self.mu
    }
}

impl LocalProblem {
    /// This process's nodes `first_node`, `first_node + 1`, … with objectives `locals`.
    ///
    /// Errors: no node; dimensions that differ.
    pub fn new(name: impl Into<String>, first_node: usize, locals: Vec<LocalNode>) -> Result<Self> {
        let dim = check_nodes(locals.iter().map(|n| n.objective.dim()).collect())?;
        Ok(LocalProblem {
            name: name.into(),
            first: first_node,
            locals,
            dim,
            reference: None,
        })
    }

    /// Quadratic nodes `first_node`, … (closed-form dual gradients).
    ///
    /// Errors: those of [`LocalNode::quadratic`] and [`LocalProblem::new`].
    pub fn quadratics(name: impl Into<String>, first_node: usize, locals: Vec<Quadratic>) -> Result<Self> {
        let nodes = locals
            .into_iter()
            .map(LocalNode::quadratic)
            .collect::<Result<Vec<_>>>()?;
        Self::new(name, first_node, nodes)
    }

    /// The spec's EXP-I2 family, nodes `nodes` of m: fᵢ(x) = ½(x − cᵢ)ᵀHᵢ(x − cᵢ) with diagonal Hᵢ; every node has
    /// coordinate 0 at μ = 1 and coordinate 1 at L = κ (so both the local and the global condition numbers are
    /// κ), the other coordinates log-uniform in [1, κ]; cᵢ uniform in [−1, 1]ᵈ. Node i draws from
    /// `StdRng::seed_from_u64(node_seed(seed, i))`, so a process builds its nodes alone. Needs d ≥ 2.
    pub fn spec_quadratics(m: usize, d: usize, kappa: f64, seed: u64, nodes: Range<usize>) -> Result<Self> {
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
        check_range(&nodes, m)?;
        let first = nodes.start;
        let mut locals = Vec::with_capacity(nodes.len());
        for i in nodes {
            let mut rng = StdRng::seed_from_u64(node_seed(seed, i));
            let h = Array1::from_shape_fn(d, |j| match j {
                0 => 1.0,
                1 => kappa,
                _ => kappa.powf(rng.random::<f64>()),
            });
            let c = Array1::from_shape_fn(d, |_| 2.0 * rng.random::<f64>() - 1.0);
            locals.push(Quadratic::new(Array2::from_diag(&h), c, 1.0, kappa)?);
        }
        Self::quadratics(format!("quadratics(m = {m}, d = {d}, κ = {kappa:e})"), first, locals)
    }

    /// A linear model split over m nodes, nodes `nodes` built: node i holds the rows [`Partition::rows`] of
    /// (design, labels) and fᵢ(w) = (1/p) Σ φ(aⱼᵀw; yⱼ) + (λ/2)‖w‖² over them (p = ⌊n/m⌋ rows per node).
    ///
    /// Errors: fewer samples than nodes, a node range outside 0..m, and the errors of [`LinearModel::new`].
    pub fn linear_model_split(
        design: &Design,
        labels: ArrayView1<f64>,
        loss: Loss,
        l2: f64,
        m: usize,
        partition: Partition,
        nodes: Range<usize>,
    ) -> Result<Self> {
        let n = design.nrows();
        if m == 0 || n < m {
            return Err(DecentralError::DimensionMismatch {
                what: "samples (need at least one per node)",
                expected: m.max(1),
                got: n,
            });
        }
        check_range(&nodes, m)?;
        let perm = match partition {
            Partition::Contiguous => None,
            Partition::Seeded(seed) => Some(seeded_permutation(n, seed)),
        };
        let per = n / m;
        let first = nodes.start;
        let mut locals = Vec::with_capacity(nodes.len());
        for i in nodes {
            let rows: Vec<usize> = match &perm {
                None => (i * per..(i + 1) * per).collect(),
                Some(p) => p[i * per..(i + 1) * per].to_vec(),
            };
            let y = labels.select(Axis(0), &rows);
            let model = LinearModel::new(select_rows(design, &rows)?, y, loss, l2, 0.0)?;
            locals.push(LocalNode::new(model)?);
        }
        Self::new(
            format!(
                "{}(n = {}, d = {}, m = {m}, λ = {l2:e})",
                loss_name(loss),
                per * m,
                design.ncols()
            ),
            first,
            locals,
        )
    }

    /// Sets the reference optimum.
    ///
    /// Errors: x* of the wrong length or not finite.
    pub fn with_reference(mut self, reference: Reference) -> Result<Self> {
        if reference.x_star.len() != self.dim {
            return Err(DecentralError::DimensionMismatch {
                what: "reference x* length",
                expected: self.dim,
                got: reference.x_star.len(),
            });
        }
        if !(reference.x_star.iter().all(|v| v.is_finite()) && reference.f_star.is_finite()) {
            return Err(crate::error::invalid(
                "consensus",
                "reference",
                f64::NAN,
                "x* and F* must be finite",
            ));
        }
        self.reference = Some(reference);
        Ok(self)
    }

    /// The reference optimum of Σᵢ fᵢ over the nodes this problem holds (call it on a problem holding every
    /// node): for quadratic nodes, (Σ Aᵢ)x = Σ Aᵢcᵢ by Cholesky plus iterative refinement; otherwise L-BFGS on the
    /// sum to ‖∇F‖ ≤ `tolerance`.
    ///
    /// Errors: a Σ Aᵢ that Cholesky cannot factor; L-BFGS not reaching the tolerance.
    pub fn central_reference(&self, tolerance: f64) -> Result<Reference> {
        let d = self.dim;
        let x_star = if self.locals.iter().all(|n| n.quadratic.is_some()) {
            let mut sum_a = DMatrix::<f64>::zeros(d, d);
            let mut rhs = DVector::<f64>::zeros(d);
            for node in &self.locals {
                let q = node.quadratic.as_ref().expect("checked");
                let am = DMatrix::from_fn(d, d, |r, k| q.a[[r, k]]);
                rhs += &am * DVector::from_iterator(d, q.c.iter().copied());
                sum_a += &am;
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
            Array1::from_iter(x.iter().copied())
        } else {
            let sum = NodeSum(&self.locals);
            let config = RunConfig::new(Stop::iterations(100_000), 1).record_every(u64::MAX);
            let report = LbfgsParams::new().memory(30).gradient_tolerance(tolerance).solve(
                &sum,
                Array1::zeros(d).view(),
                &config,
                &NoMetrics,
                &mut Silent,
            )?;
            if report.status != Status::Converged {
                return Err(DecentralError::Numerical {
                    what: "the central reference solve (L-BFGS on Σ f_i)",
                    reason: format!("ended {:?} before ‖∇F‖ ≤ {tolerance:e}", report.status),
                });
            }
            report.x
        };
        let f_star = self.value_sum(x_star.view());
        Ok(Reference { x_star, f_star })
    }

    /// A short description.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The global ids of the nodes held.
    pub fn node_range(&self) -> Range<usize> {
        self.first..self.first + self.locals.len()
    }
    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The reference optimum, if known.
    pub fn reference(&self) -> Option<&Reference> {
        self.reference.as_ref()
    }
    /// The node with global id i (one of [`LocalProblem::node_range`]).
    pub fn local(&self, i: usize) -> &LocalNode {
        &self.locals[i - self.first]
    }
    /// Whether every local node is quadratic (closed-form dual gradients).
    pub fn is_quadratic(&self) -> bool {
        self.locals.iter().all(|n| n.quadratic.is_some())
    }

    /// Σ over the local nodes, in node order, of fᵢ(x) (F(x) when the problem holds every node).
    pub fn value_sum(&self, x: ArrayView1<f64>) -> f64 {
        let mut s = 0.0;
        for (k, n) in self.locals.iter().enumerate() {
            let v = n.objective.value(x);
            s = if k == 0 { v } else { s + v };
        }
        s
    }

    /// out_i = ∇fᵢ(xᵢ) for every local node: one gradient computation (counted as one full gradient: one round
    /// of local gradients over the network).
    pub fn gradients(&self, comm: &dyn Communicator, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, work: &mut Work) {
        comm.for_each_node(x, out, &|i, xi, gi| self.local(i).objective.gradient(xi, gi));
        work.full_gradients += 1;
    }

    /// out_i = argmin_x fᵢ(x) + ⟨zᵢ, x⟩ = ∇fᵢ*(−zᵢ) = cᵢ − Aᵢ⁻¹zᵢ for every local quadratic node: one dual-gradient
    /// computation, counted as one full gradient.
    ///
    /// Errors: [`DecentralError::Unsupported`] for non-quadratic nodes, whose dual gradients need an inner solve
    /// ([`crate::dual::DualGradients`]).
    pub fn dual_gradients(
        &self,
        comm: &dyn Communicator,
        z: ArrayView2<f64>,
        out: ArrayViewMut2<f64>,
        work: &mut Work,
    ) -> Result<()> {
        if !self.is_quadratic() {
            return Err(DecentralError::Unsupported {
                solver: "dual gradients",
                reason: "closed-form dual gradients need quadratic node objectives; use dual::DualGradients".into(),
            });
        }
        comm.for_each_node(z, out, &|i, zi, oi| {
            quadratic_dual_gradient(self.local(i).quadratic.as_ref().expect("checked"), zi, oi)
        });
        work.full_gradients += 1;
        Ok(())
    }
}

fn loss_name(loss: Loss) -> &'static str {
    match loss {
        Loss::Logistic => "logistic",
        Loss::Squared => "squared",
        Loss::SquaredHinge => "squared-hinge",
        Loss::Custom(c) => c.name(),
    }
}

fn check_range(nodes: &Range<usize>, m: usize) -> Result<()> {
    if nodes.is_empty() || nodes.end > m {
        return Err(DecentralError::DimensionMismatch {
            what: "node range end (a non-empty block of 0..m)",
            expected: m,
            got: nodes.end,
        });
    }
    Ok(())
}

/// Σᵢ fᵢ over a slice of nodes, as one objective (the central reference solve).
struct NodeSum<'a>(&'a [LocalNode]);

impl Objective for NodeSum<'_> {
    fn dim(&self) -> usize {
        self.0[0].objective.dim()
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        self.0.iter().map(|n| n.objective.value(x)).sum()
    }
    fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        out.fill(0.0);
        let mut g = Array1::zeros(x.len());
        for n in self.0 {
            n.objective.gradient(x, g.view_mut());
            out += &g;
        }
    }
    fn smoothness(&self) -> f64 {
        self.0.iter().map(|n| n.l).sum()
    }
    fn strong_convexity(&self) -> f64 {
        self.0.iter().map(|n| n.mu).sum()
    }
}

/// The reference optimum of a [`LocalProblem::linear_model_split`] (computed centrally from the whole data set):
/// Newton's method on the kept rows, certified by ‖∇f‖ ≤ `tolerance`; x* and F* = m·f(x*).
pub fn linear_model_reference(
    design: &Design,
    labels: ArrayView1<f64>,
    loss: Loss,
    l2: f64,
    m: usize,
    partition: Partition,
    tolerance: f64,
) -> Result<Reference> {
    let n = design.nrows();
    if m == 0 || n < m {
        return Err(DecentralError::DimensionMismatch {
            what: "samples (need at least one per node)",
            expected: m.max(1),
            got: n,
        });
    }
    let kept = (n / m) * m;
    let rows: Vec<usize> = match partition {
        Partition::Contiguous => (0..kept).collect(),
        Partition::Seeded(seed) => seeded_permutation(n, seed)[..kept].to_vec(),
    };
    let global = LinearModel::new(
        select_rows(design, &rows)?,
        labels.select(Axis(0), &rows),
        loss,
        l2,
        0.0,
    )?;
    let optimum = certify_optimum(&global, tolerance)?;
    Ok(Reference {
        f_star: m as f64 * optimum.value,
        x_star: optimum.x,
    })
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

/// The setup every solver runs before its first step, identical on every process: checks that the problem's
/// nodes are the communicator's local nodes and that X₀ has one finite row of length d per local node; the outcome is
/// agreed with [`Communicator::any`], so a bad input on one process stops every process (the others with
/// [`DecentralError::OtherProcess`]). Then reduces the global constants ([`NetworkConstants::reduce`]).
pub fn prepare(problem: &LocalProblem, comm: &dyn Communicator, x0: ArrayView2<f64>) -> Result<NetworkConstants> {
    let local = local_checks(problem, comm, x0);
    let bad_somewhere = comm.any(local.is_err());
    local?;
    if bad_somewhere {
        return Err(DecentralError::OtherProcess {
            what: "its problem, network block, start or stopping rule",
        });
    }
    NetworkConstants::reduce(problem, comm)
}

fn local_checks(problem: &LocalProblem, comm: &dyn Communicator, x0: ArrayView2<f64>) -> Result<()> {
    let (held, local) = (problem.node_range(), comm.local_nodes());
    if held != local || local.end > comm.nodes() {
        return Err(DecentralError::DimensionMismatch {
            what: "problem nodes vs this process's network nodes (first node id; counts must match too)",
            expected: local.start,
            got: held.start,
        });
    }
    if held.len() != local.len() {
        return Err(DecentralError::DimensionMismatch {
            what: "problem nodes vs this process's network nodes",
            expected: local.len(),
            got: held.len(),
        });
    }
    if x0.nrows() != local.len() {
        return Err(DecentralError::DimensionMismatch {
            what: "X0 rows (one per local node)",
            expected: local.len(),
            got: x0.nrows(),
        });
    }
    if x0.ncols() != problem.dim() {
        return Err(DecentralError::DimensionMismatch {
            what: "X0 columns (the dimension d)",
            expected: problem.dim(),
            got: x0.ncols(),
        });
    }
    if let Some(v) = x0.iter().find(|v| !v.is_finite()) {
        return Err(crate::error::invalid("consensus", "X0 entry", *v, "must be finite"));
    }
    Ok(())
}

/// Refuses a wall-clock budget (max_seconds) when the network is split over several processes: each process
/// measures its own time, so they could stop at different iterations and wait for each other forever. The same
/// answer on every process (whether the network is split is known to all).
pub fn check_run_config(comm: &dyn Communicator, config: &RunConfig) -> Result<()> {
    if config.stop.max_seconds.is_some() && comm.local_nodes().len() != comm.nodes() {
        return Err(DecentralError::Unsupported {
            solver: "decentralized run",
            reason: "a wall-clock budget (max_seconds) is not supported when the network is split over several \
                     processes (each measures its own time); use an iteration or communication-round budget"
                .into(),
        });
    }
    Ok(())
}

/// Makes divergence a collective decision: when some process holds a non-finite entry, every process sets its
/// first entry to NaN, so that the shared loop ends every process with `Diverged` (and its last finite iterate) at
/// the same iteration. One uncounted [`Communicator::any`].
pub fn agree_finite(comm: &dyn Communicator, x: &mut Array2<f64>) {
    let local_bad = !x.iter().all(|v| v.is_finite());
    if comm.any(local_bad)
        && !local_bad
        && let Some(v) = x.iter_mut().next()
    {
        *v = f64::NAN;
    }
}

/// A flat view of a standard-layout (local nodes) × d matrix (what [`gradus_oracle::Method::iterate`] returns).
pub fn flat(x: &Array2<f64>) -> ArrayView1<'_, f64> {
    ArrayView1::from(x.as_slice().expect("node states are standard-layout"))
}

/// The (local nodes) × d view of a flat iterate.
pub fn unflat(x: ArrayView1<'_, f64>, d: usize) -> ArrayView2<'_, f64> {
    let m = x.len() / d.max(1);
    x.into_shape_with_order((m, d))
        .expect("an iterate of length (local nodes)·d")
}

/// x̄ = (1/m) Σᵢ xᵢ over every node of the network, from the local rows (one uncounted all-reduce; the same bits on
/// every process).
pub fn network_mean(comm: &dyn Communicator, x: ArrayView2<f64>) -> Array1<f64> {
    let mut mean = Array1::zeros(x.ncols());
    comm.all_reduce_sum(x, mean.view_mut(), None);
    mean /= comm.nodes() as f64;
    mean
}

/// Σᵢ ‖xᵢ − x̄‖² over the local rows (1/m · its network sum is the consensus error).
fn squared_deviation(row: ArrayView1<f64>, center: ArrayView1<f64>) -> f64 {
    row.iter().zip(center.iter()).map(|(a, b)| (a - b) * (a - b)).sum()
}

/// (1/m) Σᵢ ‖xᵢ − x*‖² over the rows of a matrix holding every node (a centralized helper for tests).
pub fn consensus_distance(x: ArrayView2<f64>, x_star: ArrayView1<f64>) -> f64 {
    let mut s = 0.0;
    for row in x.axis_iter(Axis(0)) {
        s += squared_deviation(row, x_star);
    }
    s / x.nrows().max(1) as f64
}

/// Collective metrics of the local rows (see the module docs): `objective`, `consensus_error`, and with a
/// reference `subopt`, `consensus_dist`, `rel_dist`. Uncounted reductions; the same values on every process.
/// Every process must give its problem the same reference, or none (the metrics are collectives).
pub struct ConsensusMonitor<'a> {
    problem: &'a LocalProblem,
    comm: &'a dyn Communicator,
    initial: f64,
    mean: RefCell<Array1<f64>>,
}

impl<'a> ConsensusMonitor<'a> {
    /// Monitors `problem` over `comm`; the local rows `x0` fix the scale of `rel_dist` (1 when X₀ = X*).
    pub fn new(problem: &'a LocalProblem, comm: &'a dyn Communicator, x0: ArrayView2<f64>) -> Self {
        let mut monitor = ConsensusMonitor {
            problem,
            comm,
            initial: 1.0,
            mean: RefCell::new(Array1::zeros(problem.dim())),
        };
        if problem.reference.is_some() {
            let d0 = monitor.metrics(x0)[3];
            monitor.initial = if d0 > 0.0 { d0 } else { 1.0 };
        }
        monitor
    }

    /// x̄ at the last evaluation (the network mean of the rows; the same on every process).
    pub fn mean(&self) -> Array1<f64> {
        self.mean.borrow().clone()
    }

    /// [F(x̄), consensus_error, F(x̄) − F*, consensus_dist] (the last two NaN without a reference).
    fn metrics(&self, x: ArrayView2<f64>) -> [f64; 4] {
        let m = self.comm.nodes() as f64;
        let mean = network_mean(self.comm, x);
        let reference = self.problem.reference.as_ref();
        let rows = self.problem.node_range();
        let local = Array2::from_shape_fn((x.nrows(), 3), |(r, k)| match k {
            0 => self.problem.local(rows.start + r).objective.value(mean.view()),
            1 => squared_deviation(x.row(r), mean.view()),
            _ => reference.map_or(0.0, |re| squared_deviation(x.row(r), re.x_star.view())),
        });
        let mut sums = Array1::zeros(3);
        self.comm.all_reduce_sum(local.view(), sums.view_mut(), None);
        *self.mean.borrow_mut() = mean;
        match reference {
            Some(re) => [sums[0], sums[1] / m, sums[0] - re.f_star, sums[2] / m],
            None => [sums[0], sums[1] / m, f64::NAN, f64::NAN],
        }
    }
}

impl Monitor for ConsensusMonitor<'_> {
    fn names(&self) -> Vec<String> {
        let mut names = vec!["objective".to_string(), "consensus_error".into()];
        if self.problem.reference.is_some() {
            names.extend(["subopt".into(), "consensus_dist".into(), "rel_dist".into()]);
        }
        names
    }

    fn evaluate(&self, x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        let v = self.metrics(unflat(x, self.problem.dim()));
        out.extend_from_slice(&v[..2]);
        if self.problem.reference.is_some() {
            out.extend_from_slice(&[v[2], v[3], v[3] / self.initial]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::{GossipKind, GossipMatrix};
    use crate::graph::Graph;
    use crate::network::Simulator;

    fn ring(m: usize) -> Simulator {
        Simulator::new(GossipMatrix::from_graph(&Graph::ring(m).unwrap(), GossipKind::Laplacian).unwrap())
    }

    #[test]
    fn quadratic_optimum_has_zero_gradient_and_nodes_build_alone() {
        let p = LocalProblem::spec_quadratics(10, 5, 1e3, 1, 0..10).unwrap();
        let re = p.central_reference(0.0).unwrap();
        let mut g = Array1::zeros(5);
        let mut total = Array1::<f64>::zeros(5);
        for i in 0..10 {
            p.local(i).objective().gradient(re.x_star.view(), g.view_mut());
            total += &g;
        }
        assert!(total.iter().all(|v| v.abs() < 1e-12), "{total}");
        let c = NetworkConstants::reduce(&p, &ring(10)).unwrap();
        assert_eq!(
            (c.condition_number(), c.setup.all_reduces, c.setup.values_sent),
            (1e3, 1, 4)
        );
        // A block built alone holds the same node objectives, bit for bit.
        let block = LocalProblem::spec_quadratics(10, 5, 1e3, 1, 4..7).unwrap();
        let x = Array1::from_shape_fn(5, |j| j as f64 * 0.3 - 0.5);
        for i in 4..7 {
            let (a, b) = (
                p.local(i).objective().value(x.view()),
                block.local(i).objective().value(x.view()),
            );
            assert_eq!(a.to_bits(), b.to_bits());
        }
        assert!(LocalProblem::spec_quadratics(3, 1, 10.0, 0, 0..3).is_err());
        assert!(LocalProblem::spec_quadratics(3, 2, 10.0, 0, 2..4).is_err());
    }

    #[test]
    fn dual_gradients_minimize_the_tilted_objective() {
        let p = LocalProblem::spec_quadratics(4, 3, 50.0, 2, 0..4).unwrap();
        let sim = ring(4);
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
    fn sharded_linear_models_rebuild_the_global_objective() {
        let (x, y) = gradus_data::generate::correlated_gaussian_logistic(403, 6, 3);
        let design = Design::dense(x).unwrap();
        let m = 4;
        let w = Array1::from_shape_fn(6, |j| 0.1 * j as f64 - 0.2);
        for partition in [Partition::Contiguous, Partition::Seeded(7)] {
            let whole =
                LocalProblem::linear_model_split(&design, y.view(), Loss::Logistic, 1e-2, m, partition, 0..m).unwrap();
            // Two processes' blocks give the same node values, bit for bit.
            let a =
                LocalProblem::linear_model_split(&design, y.view(), Loss::Logistic, 1e-2, m, partition, 0..1).unwrap();
            let b =
                LocalProblem::linear_model_split(&design, y.view(), Loss::Logistic, 1e-2, m, partition, 1..4).unwrap();
            for i in 0..m {
                let part = if i < 1 { &a } else { &b };
                assert_eq!(
                    whole.local(i).objective().value(w.view()).to_bits(),
                    part.local(i).objective().value(w.view()).to_bits()
                );
            }
            // The node-order sum is m times the mean loss over the kept rows (the global objective).
            let rows: Vec<usize> = (0..m).flat_map(|i| partition.rows(403, m, i)).collect();
            let global = LinearModel::new(
                select_rows(&design, &rows).unwrap(),
                y.select(Axis(0), &rows),
                Loss::Logistic,
                1e-2,
                0.0,
            )
            .unwrap();
            let (sum, reference) = (whole.value_sum(w.view()), m as f64 * global.value(w.view()));
            assert!(
                (sum - reference).abs() <= 1e-13 * reference.abs(),
                "{sum} vs {reference}"
            );
            // The reference optimum has a zero gradient of the node sum.
            let re = linear_model_reference(&design, y.view(), Loss::Logistic, 1e-2, m, partition, 1e-12).unwrap();
            assert!((whole.value_sum(re.x_star.view()) - re.f_star).abs() < 1e-12);
            let lbfgs = whole.central_reference(1e-10).unwrap();
            assert!((&lbfgs.x_star - &re.x_star).iter().all(|v| v.abs() < 1e-8));
        }
        // The seeded partition is a permutation.
        let mut all: Vec<usize> = (0..4).flat_map(|i| Partition::Seeded(1).rows(12, 4, i)).collect();
        all.sort_unstable();
        assert_eq!(all, (0..12).collect::<Vec<_>>());
    }

    #[test]
    fn without_a_reference_the_monitor_reports_objective_and_consensus_error_only() {
        let p = LocalProblem::spec_quadratics(4, 2, 10.0, 0, 0..4).unwrap();
        let sim = ring(4);
        let x = Array2::from_shape_fn((4, 2), |(i, j)| (i * 2 + j) as f64);
        let mon = ConsensusMonitor::new(&p, &sim, x.view());
        assert_eq!(mon.names(), vec!["objective", "consensus_error"]);
        let mut out = Vec::new();
        mon.evaluate(flat(&x), None, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(mon.mean().to_vec(), vec![3.0, 4.0]);
        assert!((out[0] - p.value_sum(mon.mean().view())).abs() < 1e-12);
        // (1/4)·Σ‖xᵢ − x̄‖² with rows (0,1), (2,3), (4,5), (6,7): 2·(9 + 1 + 1 + 9)/4 = 10.
        assert_eq!(out[1], 10.0);
        let re = p.central_reference(0.0).unwrap();
        let p = p.with_reference(re).unwrap();
        let mon = ConsensusMonitor::new(&p, &sim, x.view());
        assert_eq!(mon.names().len(), 5);
        mon.evaluate(flat(&x), None, &mut out);
        assert_eq!(out[4], 1.0);
    }
}
