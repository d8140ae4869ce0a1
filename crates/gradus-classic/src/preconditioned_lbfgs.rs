//! L-BFGS preconditioned by the curvature of a linear model: H⁰ = P⁻¹ with P a sampled Hessian (dense data of
//! moderate d) or the Hessian's diagonal (sparse or wide data), built at x₀ inside the first step.

use gradus_oracle::{LinearModel, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::ArrayView1;

use crate::error::Result;
use crate::lbfgs::{LbfgsParams, LbfgsState};
use crate::preconditioner::{LinearModelPreconditioner, Preconditioner};

/// L-BFGS on a smooth [`LinearModel`] F(x) = (1/n) Σᵢ φ(aᵢᵀx; yᵢ) + (λ₂/2)‖x‖² whose initial matrix is the inverse
/// of a preconditioner P ≈ ∇²F(x₀) built from the data (module [`crate::preconditioner`]):
///
/// ```text
/// P = H_S = (1/|S|) Σ_{i∈S} φ″(aᵢᵀx₀) aᵢaᵢᵀ + λ₂I     (S: s = 32 d seeded rows; dense data, cost ≤ 8 passes)
///   or diag(∇²F(x₀))                                  (otherwise: Jacobi scaling, one pass)
/// d_k = −H_k ∇F(x_k)                                  (two-loop recursion over the last m pairs, H⁰ = P⁻¹)
/// x_{k+1} = x_k + α_k d_k                             (strong Wolfe line search, α = 1 tried first)
/// ```
///
/// Everything else is [`LbfgsParams`]'s L-BFGS (skip rule, resets, stopping); when the line search fails along
/// −P⁻¹∇F the plain −∇F is tried before the run stalls. With P = H_S the first step is a subsampled Newton step
/// and the pairs correct what the sample missed; subsampled Newton itself (re-forming H_S at every step and
/// stepping x ← x − t H_S⁻¹∇F) needed 26 passes plus 12.5 passes of Hessians on the peer data where this method
/// needs 12 plus 0.6 (docs/benchmarks.md, "QNing vs Cyanure and scikit-learn").
///
/// Work: the preconditioner's cost ([`LinearModelPreconditioner::build`]: one full gradient for the diagonal;
/// s · ⌈d/20⌉ component gradients for the sampled Hessian) is added to the first step's, then L-BFGS's own (one
/// full gradient per line-search evaluation). Same bits on any thread count (the sample is seeded, the Hessian and
/// the passes are reduced in a fixed order).
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `lbfgs` | [`LbfgsParams::default`] with m = [`PRECONDITIONED_MEMORY`] = 20 | see [`LbfgsParams`] | memory m, line search, gradient tolerance |
/// | `preconditioner` | [`LinearModelPreconditioner::default`] | see there | which P (auto: sampled Hessian or diagonal), s = 32 d, seed 0 |
///
/// References: D. C. Liu and J. Nocedal (1989), *On the limited memory BFGS method for large scale
/// optimization*, Math. Program. 45 (H⁰ any positive definite matrix); J. Nocedal and S. J. Wright (2006),
/// *Numerical Optimization*, 2nd ed., §7.2; R. H. Byrd, G. M. Chin, W. Neveitt and J. Nocedal (2011), *On the use
/// of stochastic Hessian information in optimization methods for machine learning*, SIAM J. Optim. 21(3);
/// F. Roosta-Khorasani and M. W. Mahoney (2019), *Sub-sampled Newton methods*, Math. Program. 174 (the sample
/// size's effect on the Hessian's accuracy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreconditionedLbfgsParams {
    /// L-BFGS's parameters.
    pub lbfgs: LbfgsParams,
    /// How P is built.
    pub preconditioner: LinearModelPreconditioner,
}

impl Default for PreconditionedLbfgsParams {
    fn default() -> Self {
        PreconditionedLbfgsParams {
            lbfgs: LbfgsParams::default().memory(PRECONDITIONED_MEMORY),
            preconditioner: LinearModelPreconditioner::default(),
        }
    }
}

/// The default memory m of [`PreconditionedLbfgsParams`]: on the sparse peer data (100000 × 20000, diagonal
/// preconditioner) certified 1e-10 took 28 passes with m = 10, 22 with m = 20 and 22 with m = 40; on the dense peer
/// data 12.64 passes with any of them. A two-loop pass costs 4 m d flops, under 1 % of a pass over the data there.
pub const PRECONDITIONED_MEMORY: usize = 20;

impl PreconditionedLbfgsParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets L-BFGS's parameters.
    pub fn lbfgs(mut self, lbfgs: LbfgsParams) -> Self {
        self.lbfgs = lbfgs;
        self
    }

    /// Sets how the preconditioner is built.
    pub fn preconditioner(mut self, preconditioner: LinearModelPreconditioner) -> Self {
        self.preconditioner = preconditioner;
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.lbfgs.validate()?;
        self.preconditioner.validate()
    }

    /// Minimizes `problem` from `x0` on the shared loop ([`gradus_oracle::run`]).
    ///
    /// Errors: those of [`PreconditionedLbfgsState::new`] and of [`gradus_oracle::run`].
    pub fn solve(
        &self,
        problem: &LinearModel,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = PreconditionedLbfgsState::new(problem, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The state: an [`LbfgsState`] and, until the first step, the recipe of its preconditioner.
pub struct PreconditionedLbfgsState<'a> {
    problem: &'a LinearModel,
    lbfgs: LbfgsState<'a>,
    pending: Option<LinearModelPreconditioner>,
    stalled_build: bool,
}

impl<'a> PreconditionedLbfgsState<'a> {
    /// Validates `params` and the problem and sets x₀ (the preconditioner is built in the first step, so its time
    /// counts in the run's).
    ///
    /// Errors: invalid parameters, a starting point of the wrong length or with non-finite entries, an L1 penalty.
    pub fn new(problem: &'a LinearModel, x0: ArrayView1<f64>, params: &PreconditionedLbfgsParams) -> Result<Self> {
        params.validate()?;
        Ok(PreconditionedLbfgsState {
            problem,
            lbfgs: LbfgsState::new(problem, x0, &params.lbfgs)?,
            pending: Some(params.preconditioner),
            stalled_build: false,
        })
    }

    /// The inner L-BFGS state (its memory, resets, preconditioner).
    pub fn lbfgs(&self) -> &LbfgsState<'a> {
        &self.lbfgs
    }

    /// The preconditioner, once built.
    pub fn preconditioner(&self) -> Option<&Preconditioner> {
        self.lbfgs.preconditioner()
    }

    /// Whether building the preconditioner failed, so that the run is plain L-BFGS (H⁰ = γI).
    pub fn fell_back_to_plain(&self) -> bool {
        self.stalled_build
    }
}

impl Method for PreconditionedLbfgsState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.lbfgs.iterate()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        if let Some(recipe) = self.pending.take() {
            // Parameters were validated and x has the problem's dimension: a failure here is a Hessian that no
            // ridge makes positive definite, which leaves plain L-BFGS (γI) to run.
            match recipe.build(self.problem, self.lbfgs.iterate()) {
                Ok((p, cost)) => {
                    work.merge(&cost);
                    self.stalled_build = self.lbfgs.set_preconditioner(p).is_err();
                }
                Err(_) => self.stalled_build = true,
            }
        }
        self.lbfgs.step(work)
    }

    fn known_value_and_gradient(&self) -> Option<(f64, ArrayView1<'_, f64>)> {
        self.lbfgs.known_value_and_gradient()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClassicError;
    use crate::preconditioner::PreconditionerKind;
    use crate::test_support::*;
    use gradus_oracle::{Design, Loss, Objective, ObjectiveMonitor, Silent, Status, Stop};
    use ndarray::{Array1, Array2};

    /// Logistic data whose columns are scaled by factors spread over three orders of magnitude (as bag-of-words
    /// columns of very different frequencies are), dense or CSR.
    fn badly_scaled(n: usize, d: usize, l2: f64, sparse: bool) -> LinearModel {
        let (a, y) = data(n, d, 11);
        let scale = Array1::from_shape_fn(d, |j| 10f64.powf(-3.0 * j as f64 / d as f64));
        let a: Array2<f64> = &a * &scale;
        let design = if sparse {
            Design::sparse(to_csr(&a)).unwrap()
        } else {
            Design::dense(a).unwrap()
        };
        LinearModel::new(design, y, Loss::Logistic, l2, 0.0).unwrap()
    }

    fn solve(model: &LinearModel, params: &PreconditionedLbfgsParams, tol: f64) -> Report {
        let monitor = ObjectiveMonitor::new(model);
        let config = RunConfig::new(Stop::iterations(5000).with_target("rel_subopt_bound", tol), model.n());
        params
            .solve(model, Array1::zeros(model.dim()).view(), &config, &monitor, &mut Silent)
            .unwrap()
    }

    fn plain(model: &LinearModel, tol: f64) -> Report {
        let monitor = ObjectiveMonitor::new(model);
        let config = RunConfig::new(Stop::iterations(5000).with_target("rel_subopt_bound", tol), model.n());
        LbfgsParams::default()
            .solve(model, Array1::zeros(model.dim()).view(), &config, &monitor, &mut Silent)
            .unwrap()
    }

    fn with_kind(kind: PreconditionerKind) -> PreconditionedLbfgsParams {
        PreconditionedLbfgsParams::new().preconditioner(LinearModelPreconditioner {
            kind,
            ..LinearModelPreconditioner::default()
        })
    }

    #[test]
    fn converges_to_newtons_minimizer_with_either_preconditioner_dense_or_sparse() {
        for sparse in [false, true] {
            let model = badly_scaled(3000, 20, 1e-4, sparse);
            let optimum = crate::newton::certify_optimum(&model, 1e-12).unwrap();
            for kind in [PreconditionerKind::SampledHessian, PreconditionerKind::Diagonal] {
                let r = solve(&model, &with_kind(kind), 1e-12);
                assert_eq!(r.status, Status::Converged, "{kind:?} sparse={sparse}");
                let sub = relative_suboptimality(&model, r.x.view(), optimum.value);
                assert!(sub <= 1e-12, "{kind:?} sparse={sparse}: {sub:e}");
                assert!(
                    distance(r.x.view(), optimum.x.view()) < 1e-5,
                    "{kind:?} sparse={sparse}"
                );
            }
        }
    }

    #[test]
    fn preconditioning_saves_passes_on_badly_scaled_data() {
        for (sparse, kind) in [
            (false, PreconditionerKind::SampledHessian),
            (false, PreconditionerKind::Diagonal),
            (true, PreconditionerKind::Diagonal),
        ] {
            let model = badly_scaled(4000, 30, 1e-5, sparse);
            let r = solve(&model, &with_kind(kind), 1e-10);
            let p = plain(&model, 1e-10);
            assert_eq!(r.status, Status::Converged);
            assert_eq!(p.status, Status::Converged);
            let (pre, base) = (r.work.passes(model.n()), p.work.passes(model.n()));
            assert!(
                2.0 * pre < base,
                "{kind:?} sparse={sparse}: {pre} passes vs plain L-BFGS's {base}"
            );
        }
    }

    #[test]
    fn the_preconditioners_cost_is_counted_in_the_first_step() {
        let model = badly_scaled(3000, 20, 1e-4, false);
        let config = RunConfig::new(Stop::iterations(1), model.n());
        for (kind, expected) in [
            // s = min(n, 32 d) = 640 rows at ⌈20/20⌉ = 1 component gradient each.
            (PreconditionerKind::SampledHessian, 640u64),
            (PreconditionerKind::Diagonal, 0),
        ] {
            let r = with_kind(kind)
                .solve(
                    &model,
                    Array1::zeros(20).view(),
                    &config,
                    &ObjectiveMonitor::new(&model),
                    &mut Silent,
                )
                .unwrap();
            assert_eq!(r.work.component_gradients, expected, "{kind:?}");
            // x₀'s gradient and at least one line-search evaluation, plus the diagonal's pass.
            let least = 2 + u64::from(kind == PreconditionerKind::Diagonal);
            assert!(r.work.full_gradients >= least, "{kind:?}: {:?}", r.work);
        }
    }

    #[test]
    fn runs_are_deterministic_across_thread_counts() {
        for sparse in [false, true] {
            let model = badly_scaled(6000, 24, 1e-4, sparse);
            for kind in [PreconditionerKind::SampledHessian, PreconditionerKind::Diagonal] {
                assert_deterministic(|| solve(&model, &with_kind(kind), 1e-10));
            }
        }
    }

    #[test]
    fn invalid_parameters_and_problems_are_typed_errors() {
        let model = linear_model(50, 4, Loss::Logistic, 1e-2, false);
        let x0 = Array1::zeros(4);
        let zero_rows = PreconditionedLbfgsParams::new().preconditioner(LinearModelPreconditioner {
            rows_per_dim: 0,
            ..LinearModelPreconditioner::default()
        });
        assert!(matches!(
            PreconditionedLbfgsState::new(&model, x0.view(), &zero_rows).err(),
            Some(ClassicError::InvalidParameter {
                name: "rows_per_dim",
                ..
            })
        ));
        let no_memory = PreconditionedLbfgsParams::new().lbfgs(LbfgsParams::default().memory(0));
        assert!(matches!(
            PreconditionedLbfgsState::new(&model, x0.view(), &no_memory).err(),
            Some(ClassicError::InvalidParameter { name: "memory", .. })
        ));
        let params = PreconditionedLbfgsParams::new();
        assert!(matches!(
            PreconditionedLbfgsState::new(&model, Array1::zeros(5).view(), &params).err(),
            Some(ClassicError::DimensionMismatch { .. })
        ));
        let lasso = model.with_regularization(1e-2, 1e-3).unwrap();
        assert!(matches!(
            PreconditionedLbfgsState::new(&lasso, x0.view(), &params).err(),
            Some(ClassicError::Unsupported { .. })
        ));
    }
}
