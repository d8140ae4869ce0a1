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
pub mod work;

pub use design::{Csr, Design};
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
