//! Your own finite sum, solved by QNing-SVRG to a certified tolerance and checked against L-BFGS.
//!
//! Robust regression with the Huber loss: F(w) = (1/n) Σᵢ H_δ(aᵢᵀw − bᵢ) + (λ/2)‖w‖², where
//! H_δ(r) = r²/2 for |r| ≤ δ and δ(|r| − δ/2) beyond. The type `HuberRegression` below implements gradus-oracle's
//! `Objective` and `FiniteSum` itself (it is not a `LinearModel`); the ridge term comes in through
//! `Objective::regularizer`, so μ = λ and `ObjectiveMonitor`'s certified `rel_subopt_bound`
//! ((F(x) − F*)/F* ≤ ‖∇F(x)‖²/(2μ)/(F(x) − ‖∇F(x)‖²/(2μ))) is the stopping metric.
//!
//! Run: `cargo run --release -p gradus-qning --example huber_regression`. Exits non-zero when QNing-SVRG does
//! not reach its certified tolerance or disagrees with L-BFGS.

use gradus_classic::LbfgsParams;
use gradus_oracle::{FiniteSum, Objective, ObjectiveMonitor, Regularizer, RunConfig, Silent, Status, Stop};
use gradus_qning::{NamedOptions, solve_finite_sum};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Huber regression on data (A, b): the user's own finite sum.
struct HuberRegression {
    a: Array2<f64>,
    b: Array1<f64>,
    delta: f64,
    lambda: f64,
}

impl HuberRegression {
    /// The residual rᵢ = aᵢᵀw − bᵢ.
    fn residual(&self, i: usize, w: ArrayView1<f64>) -> f64 {
        self.a.row(i).dot(&w) - self.b[i]
    }
    /// H_δ(r).
    fn huber(&self, r: f64) -> f64 {
        if r.abs() <= self.delta {
            0.5 * r * r
        } else {
            self.delta * (r.abs() - 0.5 * self.delta)
        }
    }
    /// H_δ′(r) = clamp(r, −δ, δ).
    fn huber_derivative(&self, r: f64) -> f64 {
        r.clamp(-self.delta, self.delta)
    }
}

impl Objective for HuberRegression {
    fn dim(&self) -> usize {
        self.a.ncols()
    }
    fn value(&self, w: ArrayView1<f64>) -> f64 {
        (0..self.len()).map(|i| self.component_value(i, w)).sum::<f64>() / self.len() as f64
    }
    fn gradient(&self, w: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        out.fill(0.0);
        for i in 0..self.len() {
            let c = self.huber_derivative(self.residual(i, w)) / self.len() as f64;
            out.scaled_add(c, &self.a.row(i));
        }
    }
    /// H_δ″ ≤ 1, so L ≤ mean ‖aᵢ‖².
    fn smoothness(&self) -> f64 {
        self.mean_component_smoothness()
    }
    /// The ridge term, taken by every solver as part of F (μ = λ).
    fn regularizer(&self) -> Regularizer {
        Regularizer::L2(self.lambda)
    }
}

impl FiniteSum for HuberRegression {
    fn len(&self) -> usize {
        self.a.nrows()
    }
    fn component_value(&self, i: usize, w: ArrayView1<f64>) -> f64 {
        self.huber(self.residual(i, w))
    }
    fn component_gradient(&self, i: usize, w: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let c = self.huber_derivative(self.residual(i, w));
        out.assign(&self.a.row(i));
        out *= c;
    }
    fn component_smoothness(&self, i: usize) -> f64 {
        self.a.row(i).dot(&self.a.row(i))
    }
}

/// n samples in d dimensions, b = A w_true + small noise, with 5 % gross outliers (what the Huber loss is for).
fn data(n: usize, d: usize, seed: u64) -> HuberRegression {
    let mut rng = StdRng::seed_from_u64(seed);
    let a = Array2::from_shape_fn((n, d), |_| rng.random::<f64>() * 2.0 - 1.0);
    let w_true = Array1::from_shape_fn(d, |j| (j as f64 * 0.7).sin());
    let b = Array1::from_shape_fn(n, |i| {
        let noise = 0.1 * (rng.random::<f64>() - 0.5);
        let outlier = if rng.random::<f64>() < 0.05 {
            20.0 * (rng.random::<f64>() - 0.5)
        } else {
            0.0
        };
        a.row(i).dot(&w_true) + noise + outlier
    });
    HuberRegression {
        a,
        b,
        delta: 1.0,
        lambda: 1e-3,
    }
}

fn main() {
    let problem = data(2000, 20, 7);
    let x0 = Array1::zeros(problem.dim());
    let tol = 1e-10;

    let config = RunConfig::new(
        Stop::iterations(500).with_target("rel_subopt_bound", tol),
        problem.len(),
    );
    let (qning, used) = solve_finite_sum(
        "qning-svrg",
        &problem,
        x0.view(),
        &config,
        &ObjectiveMonitor::new(&problem),
        &mut Silent,
        &NamedOptions::default(),
    )
    .expect("valid problem and options");
    let bound = qning
        .trace
        .rows
        .last()
        .map_or(f64::NAN, |r| *r.values.last().unwrap_or(&f64::NAN));
    let f_qning = problem.total_value(qning.x.view());
    println!(
        "{used}: F = {f_qning:.15e}, certified (F − F*)/F* ≤ {bound:.2e}, {} outer iterations, {:.1} passes, status {:?}",
        qning.iterations,
        qning.work.passes(problem.len()),
        qning.status
    );

    let lbfgs_config = RunConfig::new(
        Stop::iterations(10_000).with_target("rel_subopt_bound", tol),
        problem.len(),
    );
    let lbfgs = LbfgsParams::new()
        .solve(
            &problem,
            x0.view(),
            &lbfgs_config,
            &ObjectiveMonitor::new(&problem),
            &mut Silent,
        )
        .expect("valid problem");
    let f_lbfgs = problem.total_value(lbfgs.x.view());
    println!(
        "lbfgs: F = {f_lbfgs:.15e}, {} iterations, {:.1} passes, status {:?}",
        lbfgs.iterations,
        lbfgs.work.passes(problem.len()),
        lbfgs.status
    );

    let distance = (&qning.x - &lbfgs.x).iter().fold(0.0f64, |m, e| m.max(e.abs()));
    let relative = (f_qning - f_lbfgs).abs() / f_lbfgs;
    println!("|F_qning − F_lbfgs|/F = {relative:.2e}, max |x_qning − x_lbfgs| = {distance:.2e}");
    // Both are certified to (F − F*)/F* ≤ 1e-10, so they agree to that.
    let ok = qning.status == Status::Converged && lbfgs.status == Status::Converged && relative <= 2.0 * tol;
    if !ok {
        eprintln!("error: QNing-SVRG and L-BFGS do not agree to the certified tolerance {tol:e}");
        std::process::exit(1);
    }
}
