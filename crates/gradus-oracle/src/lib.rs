//! # gradus-oracle
//!
//! The shared base of gradus: every solver crate builds on these pieces.
//!
//! - **Problems** as traits, one capability each: [`Objective`] (smooth f plus a prox-able regularizer g),
//!   [`FiniteSum`] (f = (1/n) Σ fᵢ), [`Operator`] and [`FiniteSumOperator`] (variational inequalities),
//!   [`StochasticOracle`] (hidden samples), [`DirectionalOracle`] (nonsmooth analysis).
//! - **Data**: [`Design`], a dense or CSR data matrix with row kernels and deterministic parallel `matvec` /
//!   `matvec_t`; [`Loss`] and [`Regularizer`] (with its prox).
//! - **The problem library** ([`problems`]): [`LinearModel`] (logistic, squared, squared hinge; L2/L1/elastic
//!   net; dense or CSR), [`Quadratic`] (chosen spectrum, known minimizer), [`QuadraticGame`] (finite-sum min-max
//!   games), the nonsmooth test functions [`AbsAbs`], [`MaxAffine`], [`ChebyshevRosenbrock`] and
//!   [`ReluRegression`] (directional oracles, known stationary points) and the ReLU [`Mlp`] (a
//!   [`MiniBatchObjective`]).
//! - **Memory** ([`memory`]): zeroed buffers on transparent huge pages and a software prefetch for the kernels.
//! - **Running solvers**: a solver implements [`Method`] (its iterate and one step); [`run`] does the rest —
//!   stopping rules ([`Stop`]), typed work counters ([`Work`]), the trace ([`Trace`]), observers
//!   ([`Observer`]), timing that excludes metric evaluation, and divergence detection ending in
//!   [`Status::Diverged`] with the last finite iterate.
//! - **Stochastic methods** ([`stochastic`]): an optimizer implements [`StochasticStep`]; [`EpochTrainer`]
//!   (epochs of shuffled mini-batches of a [`MiniBatchObjective`]) and [`StochasticRunner`] (calls of a
//!   [`StochasticOracle`]) make it a [`Method`] for [`run`].
//!
//! # Example: your own problem and your own method
//!
//! A problem is any type that implements the traits; a solver is any [`Method`]. Here a user's least-squares
//! finite sum fᵢ(x) = ½(aᵢᵀx − bᵢ)² with a ridge term, and plain gradient descent written on the spot, run by
//! [`run`] until [`ObjectiveMonitor`]'s certified bound on (F(x) − F*)/F* is below 1e-10.
//!
//! ```
//! use gradus_oracle::{FiniteSum, Method, Objective, ObjectiveMonitor, RunConfig, Silent, StepOutcome};
//! use gradus_oracle::{Status, Stop, Work, run};
//! use ndarray::{Array1, ArrayView1, ArrayViewMut1, array};
//!
//! /// F(x) = (1/n) Σᵢ ½(aᵢᵀx − bᵢ)² + (λ/2)‖x‖², one row aᵢ per component.
//! struct Ridge {
//!     rows: Vec<[f64; 2]>,
//!     b: Vec<f64>,
//!     lambda: f64,
//! }
//!
//! impl Ridge {
//!     fn residual(&self, i: usize, x: ArrayView1<f64>) -> f64 {
//!         self.rows[i][0] * x[0] + self.rows[i][1] * x[1] - self.b[i]
//!     }
//! }
//!
//! impl Objective for Ridge {
//!     fn dim(&self) -> usize {
//!         2
//!     }
//!     fn value(&self, x: ArrayView1<f64>) -> f64 {
//!         (0..self.len()).map(|i| self.component_value(i, x)).sum::<f64>() / self.len() as f64
//!     }
//!     fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         out.fill(0.0);
//!         let mut g = Array1::zeros(2);
//!         for i in 0..self.len() {
//!             self.component_gradient(i, x, g.view_mut());
//!             out.scaled_add(1.0 / self.len() as f64, &g);
//!         }
//!     }
//!     fn smoothness(&self) -> f64 {
//!         self.max_component_smoothness()
//!     }
//!     fn strong_convexity(&self) -> f64 {
//!         self.lambda
//!     }
//! }
//!
//! impl FiniteSum for Ridge {
//!     fn len(&self) -> usize {
//!         self.b.len()
//!     }
//!     fn component_value(&self, i: usize, x: ArrayView1<f64>) -> f64 {
//!         0.5 * self.residual(i, x).powi(2) + 0.5 * self.lambda * x.dot(&x)
//!     }
//!     fn component_gradient(&self, i: usize, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         let r = self.residual(i, x);
//!         for j in 0..2 {
//!             out[j] = r * self.rows[i][j] + self.lambda * x[j];
//!         }
//!     }
//!     fn component_smoothness(&self, i: usize) -> f64 {
//!         self.rows[i][0].powi(2) + self.rows[i][1].powi(2) + self.lambda
//!     }
//! }
//!
//! /// x ← x − ∇F(x)/L, one full gradient per step.
//! struct GradientDescent<'a> {
//!     problem: &'a Ridge,
//!     x: Array1<f64>,
//!     g: Array1<f64>,
//! }
//!
//! impl Method for GradientDescent<'_> {
//!     fn iterate(&self) -> ArrayView1<'_, f64> {
//!         self.x.view()
//!     }
//!     fn step(&mut self, work: &mut Work) -> StepOutcome {
//!         self.problem.gradient(self.x.view(), self.g.view_mut());
//!         work.full_gradients += 1;
//!         self.x.scaled_add(-1.0 / self.problem.smoothness(), &self.g);
//!         StepOutcome::Continue
//!     }
//! }
//!
//! let problem = Ridge { rows: vec![[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]], b: vec![1.0, 2.0, 2.0], lambda: 0.1 };
//! let mut gd = GradientDescent { problem: &problem, x: Array1::zeros(2), g: Array1::zeros(2) };
//! let config = RunConfig::new(Stop::iterations(10_000).with_target("rel_subopt_bound", 1e-10), problem.len());
//! let report = run(&mut gd, &ObjectiveMonitor::new(&problem), &config, &mut Silent)?;
//! assert_eq!(report.status, Status::Converged);
//! // The normal equations (AᵀA/n + λI) x = Aᵀb/n, solved by hand: x = (0.8847…, 0.9651…).
//! let (a11, a12, a22, c1, c2) = (2.0 / 3.0 + 0.1, 1.0 / 3.0, 5.0 / 3.0 + 0.1, 1.0, 2.0);
//! let det = a11 * a22 - a12 * a12;
//! let exact = array![(a22 * c1 - a12 * c2) / det, (a11 * c2 - a12 * c1) / det];
//! assert!((&report.x - &exact).iter().all(|e| e.abs() < 1e-5));
//! assert_eq!(report.work.full_gradients, report.iterations);
//! # Ok::<(), gradus_oracle::OracleError>(())
//! ```
//!
//! The built-in problems implement the same traits, with fast paths of their own:
//!
//! ```
//! use gradus_oracle::{Design, Loss, LinearModel, Objective};
//! use ndarray::array;
//!
//! let x = Design::dense(array![[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]).unwrap();
//! let model = LinearModel::new(x, array![1.0, -1.0, 1.0], Loss::Logistic, 0.1, 0.0).unwrap();
//! let w = array![0.0, 0.0];
//! assert!((model.value(w.view()) - std::f64::consts::LN_2).abs() < 1e-15);
//! ```
#![deny(missing_docs)]

pub mod design;
pub mod error;
pub mod loss;
pub mod memory;
pub mod monitor;
pub mod objective;
pub mod operator;
pub mod oracle;
pub mod problems;
pub mod regularizer;
pub mod simd;
pub mod solve;
pub mod stochastic;
pub mod stop;
pub mod trace;
pub mod values;
pub mod work;

pub use design::{Csr, DenseMatrix, Design};
pub use error::{OracleError, Result};
pub use loss::Loss;
pub use monitor::ObjectiveMonitor;
pub use objective::{FiniteSum, Objective};
pub use operator::{Ball, BoxSet, ConvexSet, FiniteSumOperator, Operator, ProductSet, Simplex};
pub use oracle::{DirectionalOracle, StochasticOracle};
pub use problems::{AbsAbs, ChebyshevRosenbrock, MaxAffine, MiniBatchObjective, Mlp, MlpWorkspace, ReluRegression};
pub use problems::{
    GameBlocks, GameConstants, GameMatrices, LinearModel, MatrixGame, Multinomial, Quadratic, QuadraticGame,
};
pub use regularizer::Regularizer;
pub use solve::{Method, Monitor, NoMetrics, Observer, Report, RunConfig, Silent, StepOutcome, run};
pub use stochastic::{EpochTrainer, GradientFn, StochasticRunner, StochasticStep};
pub use stop::{Status, Stop, Target};
pub use trace::{Trace, TraceRow};
pub use work::Work;
