//! A damped Newton method for smooth linear models, used to certify F* (to ‖∇F‖ ≤ 1e-12) on logistic problems.

use gradus_oracle::design::{DenseMatrix, axpy};
use gradus_oracle::loss::sigmoid;
use gradus_oracle::{
    Design, LinearModel, Loss, Method, Monitor, NoMetrics, Objective, Observer, Report, RunConfig, Silent, Status,
    StepOutcome, Stop, Work, run,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1, Zip};
use rayon::prelude::*;

use crate::error::{ClassicError, Result, check_nonnegative, check_open_unit, check_positive};
use crate::line_search::{approximate_decrease, sufficient_decrease};
use crate::smooth::{check_start, norm};

const SOLVER: &str = "newton";

/// The largest dimension d for which [`NewtonParams::solve`] forms the dense d × d Hessian.
pub const NEWTON_MAX_DIM: usize = 2000;

/// The first ridge added to a Hessian whose Cholesky factorization fails, relative to its largest diagonal
/// entry; each further attempt multiplies it by 100.
const RIDGE_START: f64 = 1e-12;
/// Factorization attempts (the first without ridge) before the run stalls.
const RIDGE_ATTEMPTS: usize = 8;
/// Memory allowed for the per-chunk partial Hessians alive at once, in bytes.
const PARTIALS_BUDGET: usize = 256 << 20;

/// A damped Newton method for a smooth [`LinearModel`] F(x) = (1/n) Σᵢ φ(aᵢᵀx; yᵢ) + (λ₂/2)‖x‖² (λ₁ = 0):
///
/// ```text
/// H_k = Xᵀ D_k X / n + λ₂ I,   D_k = diag(φ″(aᵢᵀx_k; yᵢ))
/// p_k = H_k⁻¹ ∇F(x_k)                      (dense Cholesky)
/// x_{k+1} = x_k − t_k p_k,   t_k = the first of 1, ½, ¼, … with
///           F(x_k − t p_k) ≤ F(x_k) − c t ∇F(x_k)ᵀp_k
/// ```
///
/// This mirrors the `newton` function of the peer benchmark (`bench/peer_logreg.py`). Close to the solution the
/// decrease of F falls below its rounding error, so a step is also accepted when the approximate Armijo test
/// holds (|F(x − t p) − F(x)| ≤ ε|F(x)| and φ′(t) ≤ (2c − 1) φ′(0) for φ(t) = F(x − t p), see
/// [`crate::line_search`]); without it the last iterations before ‖∇F‖ ≤ 1e-12 would backtrack to nothing.
/// Should the Cholesky factorization fail (a singular Hessian when λ₂ = 0), a ridge of 1e-12 · max Hᵢᵢ,
/// growing ×100 per attempt, is added.
///
/// The Hessian is formed in parallel over the row chunks of [`Design::chunks`] with the partial sums added in chunk
/// order, so the result does not depend on the number of threads: on a dense design each chunk's X_cᵀ D_c X_c is
/// one GEMM (matrixmultiply, through ndarray), on a CSR design it is accumulated row by row (wᵢ aᵢ aᵢᵀ into the upper
/// triangle); the upper triangle is then mirrored. The GEMM makes a Newton step on 100000 × 200 cost a few
/// full-gradient passes instead of tens (docs/benchmarks.md, "Newton-Cholesky"). Converged when ‖∇F(x_k)‖ ≤ `gradient_tolerance`; stalled when t falls below
/// `min_step` or the factorization fails even with the largest ridge.
///
/// Only for λ₁ = 0 and d ≤ [`NEWTON_MAX_DIM`] (dense or CSR design, any loss; the squared hinge's φ″ is its
/// generalized second derivative). Work: one full gradient per evaluation of F (each is a
/// `value_and_gradient`); Hessians are not in [`Work`] (it has no such counter) but in
/// [`NewtonState::hessian_evaluations`].
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `gradient_tolerance` | 1e-12 | ≥ 0 | converged when ‖∇F(x_k)‖ ≤ this |
/// | `sufficient_decrease` | 1e-4 | (0, 1) | c of the Armijo test |
/// | `min_step` | 1e-10 | (0, 1] | smallest t before the run stalls |
/// | `approximate_epsilon` | 1e-10 | ≥ 0 | ε of the approximate Armijo test (0 turns it off) |
///
/// References: S. Boyd and L. Vandenberghe (2004), *Convex Optimization*, §9.5 (damped Newton, backtracking);
/// J. Nocedal and S. J. Wright (2006), *Numerical Optimization*, 2nd ed., §3.3 and §A.1 (Cholesky).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonParams {
    /// Converged when ‖∇F(x_k)‖ ≤ this.
    pub gradient_tolerance: f64,
    /// c of the Armijo test.
    pub sufficient_decrease: f64,
    /// Smallest step before the run stalls.
    pub min_step: f64,
    /// ε of the approximate Armijo test.
    pub approximate_epsilon: f64,
}

impl Default for NewtonParams {
    fn default() -> Self {
        NewtonParams {
            gradient_tolerance: 1e-12,
            sufficient_decrease: 1e-4,
            min_step: 1e-10,
            approximate_epsilon: 1e-10,
        }
    }
}

impl NewtonParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the gradient-norm tolerance.
    pub fn gradient_tolerance(mut self, tolerance: f64) -> Self {
        self.gradient_tolerance = tolerance;
        self
    }

    /// Sets c of the Armijo test.
    pub fn sufficient_decrease(mut self, c: f64) -> Self {
        self.sufficient_decrease = c;
        self
    }

    /// Sets the smallest step.
    pub fn min_step(mut self, t: f64) -> Self {
        self.min_step = t;
        self
    }

    /// Sets ε of the approximate Armijo test.
    pub fn approximate_epsilon(mut self, epsilon: f64) -> Self {
        self.approximate_epsilon = epsilon;
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        check_nonnegative(SOLVER, "gradient_tolerance", self.gradient_tolerance)?;
        check_open_unit(SOLVER, "sufficient_decrease", self.sufficient_decrease)?;
        check_positive(SOLVER, "min_step", self.min_step)?;
        if self.min_step > 1.0 {
            return Err(crate::error::invalid(SOLVER, "min_step", self.min_step, "must be <= 1"));
        }
        check_nonnegative(SOLVER, "approximate_epsilon", self.approximate_epsilon)
    }

    /// Minimizes `problem` from `x0` on the shared loop ([`gradus_oracle::run`]).
    ///
    /// Errors: those of [`NewtonState::new`] and of [`gradus_oracle::run`].
    pub fn solve(
        &self,
        problem: &LinearModel,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = NewtonState::new(problem, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// φ″(m; y), the second derivative of a loss in the margin (the generalized one for the squared hinge):
///
/// | loss | φ″(m; y) |
/// |---|---|
/// | logistic | y² σ(ym)(1 − σ(ym)) |
/// | squared | 1 |
/// | squared hinge | y² if 1 − ym > 0, else 0 |
/// | custom | `ScalarLoss::second_derivative`, or its curvature bound when it gives none |
pub fn second_derivative(loss: Loss, m: f64, y: f64) -> f64 {
    match loss {
        Loss::Logistic => y * y * sigmoid(y * m) * sigmoid(-y * m),
        Loss::Squared => 1.0,
        Loss::SquaredHinge => {
            if 1.0 - y * m > 0.0 {
                y * y
            } else {
                0.0
            }
        }
        Loss::Custom(c) => c.second_derivative(m, y).unwrap_or_else(|| c.curvature_bound()),
    }
}

/// The buffers of the Hessian computation.
struct HessianWorkspace {
    margins: Array1<f64>,
    weights: Array1<f64>,
    chunks: Vec<(usize, usize)>,
    partials: Vec<Array2<f64>>,
    /// Dense designs: one buffer per partial for a chunk's rows scaled by their weights (D_c X_c).
    scaled: Vec<Array2<f64>>,
}

impl HessianWorkspace {
    fn new(problem: &LinearModel) -> Self {
        let d = problem.dim();
        let chunks = problem.design().chunks();
        let per_partial = (d * d * std::mem::size_of::<f64>()).max(1);
        let alive = chunks
            .len()
            .min(rayon::current_num_threads())
            .min(PARTIALS_BUDGET / per_partial)
            .max(1);
        let longest = chunks.iter().map(|&(a, b)| b - a).max().unwrap_or(0);
        let scaled = match problem.design() {
            Design::Dense(_) => (0..alive).map(|_| Array2::zeros((longest, d))).collect(),
            Design::Sparse(_) => Vec::new(),
        };
        HessianWorkspace {
            margins: Array1::zeros(problem.n()),
            weights: Array1::zeros(problem.n()),
            chunks,
            partials: (0..alive).map(|_| Array2::zeros((d, d))).collect(),
            scaled,
        }
    }

    /// out = ∇²F(x) = Xᵀ D X / n + λ₂ I. Chunk c's rows are summed into a partial matrix by one thread; the
    /// partials are added to `out` in chunk order (a group of them at a time, which changes no bit), so the
    /// result does not depend on the number of threads.
    fn compute(&mut self, problem: &LinearModel, x: ArrayView1<f64>, out: &mut Array2<f64>) {
        let design = problem.design();
        design.matvec(x, self.margins.view_mut());
        let (loss, inv_n) = (problem.loss(), 1.0 / problem.n() as f64);
        Zip::from(&mut self.weights)
            .and(&self.margins)
            .and(&problem.labels())
            .for_each(|w, &m, &y| *w = second_derivative(loss, m, y) * inv_n);
        let weights = self.weights.as_slice().expect("owned weights are contiguous");
        out.fill(0.0);
        let group = self.partials.len();
        for chunk_group in self.chunks.chunks(group) {
            let partials = &mut self.partials[..chunk_group.len()];
            match design {
                Design::Dense(a) => partials
                    .par_iter_mut()
                    .zip(self.scaled.par_iter_mut())
                    .zip(chunk_group.par_iter())
                    .for_each(|((partial, scaled), &(start, end))| {
                        weighted_gram_by_gemm(a, weights, start, end, scaled, partial);
                    }),
                Design::Sparse(_) => {
                    partials
                        .par_iter_mut()
                        .zip(chunk_group.par_iter())
                        .for_each(|(partial, &(start, end))| {
                            partial.fill(0.0);
                            accumulate_weighted_outer_products(design, weights, start, end, partial);
                        })
                }
            }
            for partial in partials.iter() {
                *out += partial;
            }
        }
        mirror_upper_triangle(out);
        add_ridge(problem, out);
    }
}

/// The upper triangle of out = X_cᵀ (D_c X_c) for the rows c = [start, end) of a dense design, D_c = diag(w_c):
/// the rows scaled by their weights are written into `scaled`, then matrix products (ndarray's
/// `general_mat_mul`, i.e. matrixmultiply's GEMM with its runtime-detected kernel, on the calling thread) give
/// the strips of [`GEMM_BLOCK`] rows of the upper triangle (the caller mirrors it, so the result is exactly
/// symmetric).
///
/// About (end − start)·d²·(1/2 + GEMM_BLOCK/(2d)) multiply-adds, the row-by-row rank-one updates' count plus
/// the diagonal blocks, at GEMM speed instead of axpy speed (docs/benchmarks.md, "Newton-Cholesky").
/// matrixmultiply uses FMA where the CPU has it, so the last bits differ between CPUs, never between thread
/// counts.
fn weighted_gram_by_gemm(
    a: &DenseMatrix,
    w: &[f64],
    start: usize,
    end: usize,
    scaled: &mut Array2<f64>,
    out: &mut Array2<f64>,
) {
    let rows = a.view().slice_move(ndarray::s![start..end, ..]);
    let mut scaled = scaled.slice_mut(ndarray::s![..end - start, ..]);
    Zip::from(scaled.rows_mut())
        .and(rows.rows())
        .and(ArrayView1::from(&w[start..end]))
        .for_each(|mut s, r, &wi| Zip::from(&mut s).and(&r).for_each(|s, &r| *s = wi * r));
    // Only the blocks on and above the diagonal, in column blocks of GEMM_BLOCK: for d = 200, 10 of the 16
    // blocks' work instead of all of it.
    let d = a.ncols();
    for p in (0..d).step_by(GEMM_BLOCK) {
        let p_end = (p + GEMM_BLOCK).min(d);
        let left = rows.slice(ndarray::s![.., p..p_end]);
        let right = scaled.slice(ndarray::s![.., p..]);
        let mut block = out.slice_mut(ndarray::s![p..p_end, p..]);
        ndarray::linalg::general_mat_mul(1.0, &left.t(), &right, 0.0, &mut block);
    }
}

/// The column-block width of [`weighted_gram_by_gemm`]: each GEMM computes a GEMM_BLOCK-row strip of the upper
/// triangle.
const GEMM_BLOCK: usize = 64;

/// Upper triangle of `out` += Σ_{i ∈ [start, end)} wᵢ aᵢ aᵢᵀ, row by row.
fn accumulate_weighted_outer_products(design: &Design, w: &[f64], start: usize, end: usize, out: &mut Array2<f64>) {
    let d = design.ncols();
    let h = out.as_slice_mut().expect("owned Hessian buffers are contiguous");
    match design {
        Design::Dense(a) => {
            let rows = &a.as_slice()[start * d..end * d];
            for (&wi, row) in w[start..end].iter().zip(rows.chunks_exact(d)) {
                if wi == 0.0 {
                    continue;
                }
                for (j, &aij) in row.iter().enumerate() {
                    let c = wi * aij;
                    if c != 0.0 {
                        axpy(c, &row[j..], &mut h[j * d + j..(j + 1) * d]);
                    }
                }
            }
        }
        Design::Sparse(s) => {
            for (i, &wi) in (start..end).zip(&w[start..end]) {
                if wi == 0.0 {
                    continue;
                }
                let (idx, val) = s.row(i);
                for (p, (&j, &vj)) in idx.iter().zip(val).enumerate() {
                    let c = wi * vj;
                    let h_row = &mut h[j as usize * d..(j as usize + 1) * d];
                    // Column indices are strictly increasing, so idx[q] ≥ j: the upper triangle.
                    for (&k, &vk) in idx[p..].iter().zip(&val[p..]) {
                        h_row[k as usize] += c * vk;
                    }
                }
            }
        }
    }
}

/// The Hessian ∇²F(x) = Xᵀ D X / n + λ₂ I summed row by row (rank-one updates wᵢ aᵢ aᵢᵀ into the upper
/// triangle, in row order, on the calling thread): the reference the dense GEMM path of the solver is tested and
/// benchmarked against.
pub fn linear_model_hessian_by_rows(problem: &LinearModel, x: ArrayView1<f64>) -> Array2<f64> {
    let (n, d) = (problem.n(), problem.dim());
    let mut margins = Array1::zeros(n);
    problem.design().matvec(x, margins.view_mut());
    let (loss, inv_n) = (problem.loss(), 1.0 / n as f64);
    let weights: Vec<f64> = margins
        .iter()
        .zip(problem.labels())
        .map(|(&m, &y)| second_derivative(loss, m, y) * inv_n)
        .collect();
    let mut out = Array2::zeros((d, d));
    accumulate_weighted_outer_products(problem.design(), &weights, 0, n, &mut out);
    mirror_upper_triangle(&mut out);
    add_ridge(problem, &mut out);
    out
}

/// out += λ₂ on the diagonal entries of the penalized coordinates: all of them, or all but the last (b) when the
/// model has an unpenalized intercept ([`LinearModel::with_intercept`]).
fn add_ridge(problem: &LinearModel, out: &mut Array2<f64>) {
    let l2 = problem.l2();
    for j in 0..problem.n_features() {
        out[[j, j]] += l2;
    }
}

/// Copies the upper triangle onto the lower one.
fn mirror_upper_triangle(a: &mut Array2<f64>) {
    let d = a.nrows();
    for j in 0..d {
        for k in j + 1..d {
            a[[k, j]] = a[[j, k]];
        }
    }
}

/// The Hessian ∇²F(x) = Xᵀ D X / n + λ₂ I of a linear model (a convenience that allocates its buffers; the
/// solver reuses its own).
pub fn linear_model_hessian(problem: &LinearModel, x: ArrayView1<f64>) -> Array2<f64> {
    let d = problem.dim();
    let mut out = Array2::zeros((d, d));
    HessianWorkspace::new(problem).compute(problem, x, &mut out);
    out
}

/// Cholesky factorization A = L Lᵀ in place: the lower triangle of `a` becomes L (the strict upper triangle is
/// left as it was). Returns the index of the first pivot that is not > 0 (A is not positive definite to working
/// precision). `a` must be square and in standard (row-major) layout.
pub fn cholesky_in_place(a: &mut Array2<f64>) -> std::result::Result<(), usize> {
    let d = a.nrows();
    assert_eq!(d, a.ncols(), "cholesky: the matrix must be square");
    let data = a
        .as_slice_mut()
        .expect("cholesky: the matrix must be in standard layout");
    for j in 0..d {
        let pivot = data[j * d + j] - dot_prefix(data, j, j, d);
        if pivot.is_nan() || pivot <= 0.0 {
            return Err(j);
        }
        let l_jj = pivot.sqrt();
        data[j * d + j] = l_jj;
        for i in j + 1..d {
            let s = data[i * d + j] - dot_prefix(data, i, j, d);
            data[i * d + j] = s / l_jj;
        }
    }
    Ok(())
}

/// Σ_{k<j} L[i,k] L[j,k] over the lower triangle stored row-major in `data`.
fn dot_prefix(data: &[f64], i: usize, j: usize, d: usize) -> f64 {
    gradus_oracle::design::dot(&data[i * d..i * d + j], &data[j * d..j * d + j])
}

/// Solves L Lᵀ x = b for the factor L of [`cholesky_in_place`] (forward then backward substitution).
pub fn cholesky_solve(l: &Array2<f64>, b: ArrayView1<f64>, mut x: ArrayViewMut1<f64>) {
    let d = l.nrows();
    x.assign(&b);
    for i in 0..d {
        let mut s = x[i];
        for k in 0..i {
            s -= l[[i, k]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
    for i in (0..d).rev() {
        let mut s = x[i];
        for k in i + 1..d {
            s -= l[[k, i]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
}

/// The state of the damped Newton method.
pub struct NewtonState<'a> {
    problem: &'a LinearModel,
    params: NewtonParams,
    x: Array1<f64>,
    value: f64,
    gradient: Array1<f64>,
    evaluated: bool,
    direction: Array1<f64>,
    trial_x: Array1<f64>,
    trial_gradient: Array1<f64>,
    hessian: Array2<f64>,
    factor: Array2<f64>,
    workspace: HessianWorkspace,
    hessian_evaluations: u64,
    ridge: f64,
}

impl<'a> NewtonState<'a> {
    /// Validates `params` and the problem and sets x₀.
    ///
    /// Errors: invalid parameters; a starting point of the wrong length or with non-finite entries;
    /// [`ClassicError::Unsupported`] when λ₁ > 0 or d > [`NEWTON_MAX_DIM`].
    pub fn new(problem: &'a LinearModel, x0: ArrayView1<f64>, params: &NewtonParams) -> Result<Self> {
        params.validate()?;
        if problem.l1() > 0.0 {
            return Err(ClassicError::Unsupported {
                solver: SOLVER,
                reason: format!(
                    "the model has an L1 penalty (l1 = {}); Newton's method needs a smooth objective",
                    problem.l1()
                ),
            });
        }
        let d = problem.dim();
        if d > NEWTON_MAX_DIM {
            return Err(ClassicError::Unsupported {
                solver: SOLVER,
                reason: format!("the dimension {d} exceeds {NEWTON_MAX_DIM}, the largest with a dense Hessian here"),
            });
        }
        check_start(SOLVER, d, x0)?;
        Ok(NewtonState {
            problem,
            params: *params,
            x: x0.to_owned(),
            value: f64::NAN,
            gradient: Array1::zeros(d),
            evaluated: false,
            direction: Array1::zeros(d),
            trial_x: Array1::zeros(d),
            trial_gradient: Array1::zeros(d),
            hessian: Array2::zeros((d, d)),
            factor: Array2::zeros((d, d)),
            workspace: HessianWorkspace::new(problem),
            hessian_evaluations: 0,
            ridge: 0.0,
        })
    }

    /// F(x_k) (NaN before the first step).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// ∇F(x_k) (zero before the first step).
    pub fn gradient(&self) -> ArrayView1<'_, f64> {
        self.gradient.view()
    }

    /// How many Hessians were formed.
    pub fn hessian_evaluations(&self) -> u64 {
        self.hessian_evaluations
    }

    /// The ridge added to the last Hessian before it could be factored (0 normally).
    pub fn last_ridge(&self) -> f64 {
        self.ridge
    }

    /// direction = (H + ridge I)⁻¹ ∇F(x_k), with the smallest ridge in 0, r₀, 100 r₀, … that factors; false when
    /// none does.
    fn newton_direction(&mut self) -> bool {
        let max_diagonal = self.hessian.diag().fold(0.0f64, |m, &h| m.max(h.abs()));
        let mut ridge = 0.0;
        for _ in 0..RIDGE_ATTEMPTS {
            self.factor.assign(&self.hessian);
            self.factor.diag_mut().mapv_inplace(|h| h + ridge);
            if cholesky_in_place(&mut self.factor).is_ok() {
                cholesky_solve(&self.factor, self.gradient.view(), self.direction.view_mut());
                self.ridge = ridge;
                return self.direction.iter().all(|v| v.is_finite());
            }
            ridge = if ridge == 0.0 {
                RIDGE_START * max_diagonal.max(f64::MIN_POSITIVE)
            } else {
                100.0 * ridge
            };
        }
        false
    }
}

impl Method for NewtonState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let problem = self.problem;
        if !self.evaluated {
            self.value = problem.value_and_gradient(self.x.view(), self.gradient.view_mut());
            work.full_gradients += 1;
            self.evaluated = true;
        }
        if norm(self.gradient.view()) <= self.params.gradient_tolerance {
            return StepOutcome::Converged;
        }
        self.workspace.compute(problem, self.x.view(), &mut self.hessian);
        self.hessian_evaluations += 1;
        if !self.newton_direction() {
            return StepOutcome::Stalled;
        }
        // φ(t) = F(x − t p): φ′(0) = −∇Fᵀp < 0 for a positive definite H.
        let slope0 = -self.gradient.dot(&self.direction);
        if slope0.is_nan() || slope0 >= 0.0 {
            return StepOutcome::Stalled;
        }
        let (c, epsilon) = (self.params.sufficient_decrease, self.params.approximate_epsilon);
        let mut t = 1.0;
        let value = loop {
            Zip::from(&mut self.trial_x)
                .and(&self.x)
                .and(&self.direction)
                .for_each(|z, &x, &p| *z = x - t * p);
            let value = problem.value_and_gradient(self.trial_x.view(), self.trial_gradient.view_mut());
            work.full_gradients += 1;
            let slope = -self.trial_gradient.dot(&self.direction);
            if sufficient_decrease(value, t, self.value, slope0, c)
                || approximate_decrease(value, slope, self.value, slope0, c, epsilon)
            {
                break value;
            }
            t *= 0.5;
            if t < self.params.min_step {
                return StepOutcome::Stalled;
            }
        };
        if self.trial_x == self.x {
            return StepOutcome::Stalled;
        }
        std::mem::swap(&mut self.x, &mut self.trial_x);
        std::mem::swap(&mut self.gradient, &mut self.trial_gradient);
        self.value = value;
        if norm(self.gradient.view()) <= self.params.gradient_tolerance {
            StepOutcome::Converged
        } else {
            StepOutcome::Continue
        }
    }

    /// F(x_k) and ∇F(x_k) once evaluated (the model's regularizer is none, so F is its smooth part).
    fn known_value_and_gradient(&self) -> Option<(f64, ArrayView1<'_, f64>)> {
        self.evaluated.then(|| (self.value, self.gradient.view()))
    }
}

/// A certified minimizer of a smooth linear model.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// x*.
    pub x: Array1<f64>,
    /// F(x*) (= F*, up to ‖∇F(x*)‖²/(2μ)).
    pub value: f64,
    /// ‖∇F(x*)‖, at most the requested tolerance.
    pub gradient_norm: f64,
    /// Newton iterations used.
    pub iterations: u64,
}

/// Minimizes a smooth linear model by Newton's method from x₀ = 0 (at most 200 iterations) until
/// ‖∇F‖ ≤ `tolerance`, and returns the minimizer with F and ‖∇F‖ recomputed there. The reference value F*
/// of relative suboptimality plots.
///
/// Errors: those of [`NewtonState::new`], and [`ClassicError::NotConverged`] when the tolerance is not reached.
pub fn certify_optimum(problem: &LinearModel, tolerance: f64) -> Result<Optimum> {
    let params = NewtonParams::default().gradient_tolerance(tolerance);
    let x0 = Array1::zeros(problem.dim());
    let config = RunConfig::new(Stop::iterations(200), problem.n()).record_every(u64::MAX);
    let report = params.solve(problem, x0.view(), &config, &NoMetrics, &mut Silent)?;
    let mut gradient = Array1::zeros(problem.dim());
    let value = problem.value_and_gradient(report.x.view(), gradient.view_mut());
    let gradient_norm = norm(gradient.view());
    if report.status != Status::Converged || gradient_norm.is_nan() || gradient_norm > tolerance {
        return Err(ClassicError::NotConverged {
            solver: SOLVER,
            status: report.status.name(),
            gradient_norm,
        });
    }
    Ok(Optimum {
        x: report.x,
        value,
        gradient_norm,
        iterations: report.iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use gradus_oracle::{Csr, ObjectiveMonitor};
    use ndarray::array;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn second_derivative_matches_finite_differences(m in -6.0f64..6.0, positive in any::<bool>()) {
            let y = if positive { 1.0 } else { -1.0 };
            for loss in [Loss::Logistic, Loss::Squared, Loss::SquaredHinge] {
                // Away from the squared hinge's kink at y m = 1.
                if loss == Loss::SquaredHinge && (1.0 - y * m).abs() < 1e-3 {
                    continue;
                }
                let h = 1e-5;
                let fd = (loss.derivative(m + h, y) - loss.derivative(m - h, y)) / (2.0 * h);
                let exact = second_derivative(loss, m, y);
                prop_assert!((fd - exact).abs() < 1e-7, "{loss:?} at m = {m}: {fd} vs {exact}");
            }
        }
    }

    #[test]
    fn logistic_second_derivative_is_stable_in_the_tails() {
        assert_eq!(second_derivative(Loss::Logistic, 0.0, 1.0), 0.25);
        let far = second_derivative(Loss::Logistic, 40.0, -1.0);
        assert!(far > 0.0 && (far - (-40f64).exp()).abs() < 1e-30);
        assert_eq!(second_derivative(Loss::SquaredHinge, 2.0, 1.0), 0.0);
        assert_eq!(second_derivative(Loss::SquaredHinge, 0.5, 1.0), 1.0);
    }

    #[test]
    fn hessian_matches_finite_differences_of_the_gradient() {
        for loss in [Loss::Logistic, Loss::Squared, Loss::SquaredHinge] {
            for sparse in [false, true] {
                let model = linear_model(50, 6, loss, 0.3, sparse);
                let x = array![0.3, -0.2, 0.1, 0.5, -0.4, 0.2];
                let h = linear_model_hessian(&model, x.view());
                assert_eq!(h, h.t(), "symmetric");
                let (mut gp, mut gm) = (Array1::zeros(6), Array1::zeros(6));
                for j in 0..6 {
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    let step = 1e-6;
                    xp[j] += step;
                    xm[j] -= step;
                    model.gradient(xp.view(), gp.view_mut());
                    model.gradient(xm.view(), gm.view_mut());
                    let column = (&gp - &gm) / (2.0 * step);
                    for i in 0..6 {
                        // The squared hinge's Hessian jumps where a margin crosses 1; no data point sits there.
                        assert!(
                            (column[i] - h[[i, j]]).abs() < 1e-6,
                            "{loss:?} sparse={sparse} ({i},{j})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hessian_with_an_intercept_leaves_b_unpenalized() {
        let a = Array2::from_shape_fn((50, 5), |(i, j)| (((i * 7 + j * 3) % 11) as f64 - 5.0) / 4.0);
        let y = Array1::from_shape_fn(50, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
        let model = LinearModel::with_intercept(Design::dense(a).unwrap(), y, Loss::Logistic, 0.3, 0.0).unwrap();
        let x = array![0.3, -0.2, 0.1, 0.5, -0.4, 0.7];
        let h = linear_model_hessian(&model, x.view());
        let (mut gp, mut gm) = (Array1::zeros(6), Array1::zeros(6));
        for j in 0..6 {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[j] += 1e-6;
            xm[j] -= 1e-6;
            model.gradient(xp.view(), gp.view_mut());
            model.gradient(xm.view(), gm.view_mut());
            let column = (&gp - &gm) / 2e-6;
            for i in 0..6 {
                assert!(
                    (column[i] - h[[i, j]]).abs() < 1e-6,
                    "({i},{j}): {} vs {}",
                    column[i],
                    h[[i, j]]
                );
            }
        }
        let rows = linear_model_hessian_by_rows(&model, x.view());
        assert!(
            (&h - &rows).iter().all(|e| e.abs() < 1e-14),
            "GEMM and row-by-row Hessians agree"
        );
        assert!(
            (h[[5, 5]] - rows[[5, 5]]).abs() < 1e-14 && h[[5, 5]] < 0.3,
            "no λ₂ on b: {}",
            h[[5, 5]]
        );
    }

    #[test]
    fn hessian_is_the_same_dense_or_sparse_and_on_any_thread_count() {
        let dense = linear_model(6000, 12, Loss::Logistic, 1e-3, false);
        let sparse = linear_model(6000, 12, Loss::Logistic, 1e-3, true);
        assert!(dense.design().chunks().len() >= 2);
        let x = Array1::from_shape_fn(12, |j| 0.1 * j as f64 - 0.5);
        let bits = |h: Array2<f64>| h.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for model in [&dense, &sparse] {
            let one = bits(with_threads(1, || linear_model_hessian(model, x.view())));
            let two = bits(with_threads(2, || linear_model_hessian(model, x.view())));
            let three = bits(with_threads(3, || linear_model_hessian(model, x.view())));
            assert_eq!(one, two);
            assert_eq!(one, three);
        }
        let hd = linear_model_hessian(&dense, x.view());
        let hs = linear_model_hessian(&sparse, x.view());
        assert!((&hd - &hs).iter().all(|e| e.abs() < 1e-12));
        // The dense GEMM path against the row-by-row reference, and exactly symmetric.
        let reference = linear_model_hessian_by_rows(&dense, x.view());
        let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!((&hd - &reference).iter().all(|e| e.abs() <= 1e-13 * scale));
        assert_eq!(hd, hd.t());
        let rs = linear_model_hessian_by_rows(&sparse, x.view());
        assert!((&hs - &rs).iter().all(|e| e.abs() <= 1e-13 * scale));
    }

    #[test]
    fn the_blocked_gemm_hessian_matches_the_row_by_row_one_beyond_one_block() {
        let d = 2 * GEMM_BLOCK + 13;
        let model = linear_model(3000, d, Loss::Logistic, 1e-3, false);
        let x = Array1::from_shape_fn(d, |j| 0.02 * (j as f64).sin());
        let h = with_threads(2, || linear_model_hessian(&model, x.view()));
        let reference = linear_model_hessian_by_rows(&model, x.view());
        let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let worst = (&h - &reference).iter().fold(0.0f64, |m, e| m.max(e.abs()));
        assert!(worst <= 1e-13 * scale, "worst difference {worst}, scale {scale}");
        assert_eq!(h, h.t());
        assert_eq!(h, with_threads(1, || linear_model_hessian(&model, x.view())));
    }

    #[test]
    fn cholesky_factors_and_solves() {
        let mut rng = SplitMix(3);
        let b = Array2::from_shape_fn((7, 7), |_| rng.normal());
        let a = b.t().dot(&b) + Array2::<f64>::eye(7);
        let mut l = a.clone();
        cholesky_in_place(&mut l).unwrap();
        let lower = Array2::from_shape_fn((7, 7), |(i, j)| if j <= i { l[[i, j]] } else { 0.0 });
        assert!((&lower.dot(&lower.t()) - &a).iter().all(|e| e.abs() < 1e-12));
        let rhs = Array1::from_shape_fn(7, |i| i as f64 - 3.0);
        let mut x = Array1::zeros(7);
        cholesky_solve(&l, rhs.view(), x.view_mut());
        assert!((&a.dot(&x) - &rhs).iter().all(|e| e.abs() < 1e-11));
        // Indefinite: the second pivot is 1 − 4 < 0.
        let mut bad = array![[1.0, 2.0], [2.0, 1.0]];
        assert_eq!(cholesky_in_place(&mut bad), Err(1));
    }

    #[test]
    fn logistic_regression_converges_quadratically_to_1e_12() {
        for sparse in [false, true] {
            let model = linear_model(500, 15, Loss::Logistic, 1e-4, sparse);
            let x0 = Array1::zeros(15);
            let monitor = ObjectiveMonitor::new(&model);
            let mut state = NewtonState::new(&model, x0.view(), &NewtonParams::default()).unwrap();
            let r = run(
                &mut state,
                &monitor,
                &RunConfig::new(Stop::iterations(100), 500),
                &mut Silent,
            )
            .unwrap();
            assert_eq!(r.status, Status::Converged);
            assert!(r.iterations <= 15, "{}", r.iterations);
            assert!(norm(state.gradient()) <= 1e-12);
            assert_eq!(state.hessian_evaluations(), r.iterations);
            assert_eq!(state.last_ridge(), 0.0);
            // The gradient norm falls quadratically at the end, ‖∇F(x_{k+1})‖ ≤ C ‖∇F(x_k)‖², here with C ≈ 12.
            let g = r.trace.series_by_iteration("grad_norm");
            for k in g.len() - 3..g.len() - 1 {
                assert!(g[k + 1].1 <= 100.0 * g[k].1 * g[k].1, "{g:?}");
            }
        }
        // Dense and CSR give the same minimizer.
        let a = certify_optimum(&linear_model(500, 15, Loss::Logistic, 1e-4, false), 1e-12).unwrap();
        let b = certify_optimum(&linear_model(500, 15, Loss::Logistic, 1e-4, true), 1e-12).unwrap();
        assert!(distance(a.x.view(), b.x.view()) < 1e-10);
        assert!((a.value - b.value).abs() <= 1e-15 * a.value);
    }

    #[test]
    fn a_least_squares_problem_takes_one_newton_step() {
        let model = linear_model(40, 5, Loss::Squared, 0.1, true);
        let x0 = Array1::zeros(5);
        let r = NewtonParams::default()
            .gradient_tolerance(1e-10)
            .solve(
                &model,
                x0.view(),
                &RunConfig::new(Stop::iterations(10), 40),
                &NoMetrics,
                &mut Silent,
            )
            .unwrap();
        assert_eq!(r.status, Status::Converged);
        assert_eq!(r.iterations, 1);
        assert_eq!(r.work.full_gradients, 2);
    }

    #[test]
    fn a_singular_hessian_gets_a_ridge() {
        // Two identical columns and λ₂ = 0: H = XᵀX/n = [[1, 1], [1, 1]] has an exactly zero second pivot. The
        // squared loss has minimizers all the same.
        let a = array![[1.0, 1.0], [1.0, 1.0]];
        let model = LinearModel::new(Design::dense(a).unwrap(), array![1.0, 1.0], Loss::Squared, 0.0, 0.0).unwrap();
        let mut state = NewtonState::new(&model, Array1::zeros(2).view(), &NewtonParams::default()).unwrap();
        let r = run(
            &mut state,
            &NoMetrics,
            &RunConfig::new(Stop::iterations(20), 2),
            &mut Silent,
        )
        .unwrap();
        assert_eq!(r.status, Status::Converged);
        assert!(state.last_ridge() > 0.0);
    }

    #[test]
    fn certification_reports_failure() {
        let model = linear_model(30, 4, Loss::Logistic, 1e-2, false);
        let o = certify_optimum(&model, 1e-12).unwrap();
        assert!(o.gradient_norm <= 1e-12);
        let e = certify_optimum(&model, 0.0).unwrap_err();
        assert!(
            matches!(e, ClassicError::NotConverged { solver: "newton", .. }),
            "{e:?}"
        );
    }

    #[test]
    fn invalid_parameters_and_problems_are_typed_errors() {
        let model = linear_model(30, 4, Loss::Logistic, 1e-2, false);
        let x0 = Array1::zeros(4);
        let new = |p: NewtonParams, m: &LinearModel, x: ArrayView1<f64>| NewtonState::new(m, x, &p).err();
        assert!(matches!(
            new(NewtonParams::default().gradient_tolerance(f64::NAN), &model, x0.view()),
            Some(ClassicError::InvalidParameter {
                name: "gradient_tolerance",
                ..
            })
        ));
        assert!(matches!(
            new(NewtonParams::default().min_step(2.0), &model, x0.view()),
            Some(ClassicError::InvalidParameter { name: "min_step", .. })
        ));
        assert!(matches!(
            new(NewtonParams::default().sufficient_decrease(0.0), &model, x0.view()),
            Some(ClassicError::InvalidParameter {
                name: "sufficient_decrease",
                ..
            })
        ));
        assert!(matches!(
            new(NewtonParams::default(), &model, Array1::zeros(5).view()),
            Some(ClassicError::DimensionMismatch { solver: "newton", .. })
        ));
        let lasso = model.with_regularization(1e-2, 1e-3).unwrap();
        assert!(matches!(
            new(NewtonParams::default(), &lasso, x0.view()),
            Some(ClassicError::Unsupported { solver: "newton", .. })
        ));
        // d = 2001: one CSR row with one stored value.
        let wide = Csr::new(1, NEWTON_MAX_DIM + 1, vec![0, 1], vec![0], vec![1.0]).unwrap();
        let wide = LinearModel::new(Design::sparse(wide).unwrap(), array![1.0], Loss::Logistic, 0.1, 0.0).unwrap();
        let e = new(NewtonParams::default(), &wide, Array1::zeros(NEWTON_MAX_DIM + 1).view());
        assert!(matches!(e, Some(ClassicError::Unsupported { solver: "newton", .. })));
    }

    #[test]
    fn runs_are_deterministic_across_thread_counts() {
        for sparse in [false, true] {
            let m = linear_model(6000, 20, Loss::Logistic, 1e-3, sparse);
            assert_deterministic(|| {
                let monitor = ObjectiveMonitor::new(&m);
                NewtonParams::default()
                    .solve(
                        &m,
                        Array1::zeros(20).view(),
                        &RunConfig::new(Stop::iterations(30), 6000),
                        &monitor,
                        &mut Silent,
                    )
                    .unwrap()
            });
        }
    }
}
