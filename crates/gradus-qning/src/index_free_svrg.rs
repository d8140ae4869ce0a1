//! Index-free SVRG for a [`StochasticOracle`] that never reveals which component it sampled (Arjevani, Daniely,
//! Jegelka, Lin, 2020).
//!
//! The oracle draws ν ~ Uniform{1..n} and returns f_ν(x), ∇f_ν(x) without ν. Two things replace the index:
//! - **the same hidden sample at two points**: the sample is a function of the generator's state, so two
//!   generators seeded alike (one fresh seed per step) evaluate the same hidden ν at w and at w̃;
//! - **an exact snapshot gradient**: at w̃ the answers take at most n distinct values vⱼ with probabilities kⱼ/n.
//!   Drawing N ≈ c n² ln n answers, grouping identical vectors and rounding each frequency to the nearest
//!   multiple of 1/n recovers ∇f(w̃) = Σⱼ (kⱼ/n) vⱼ exactly w.h.p. (if the rounded counts do not add up to n,
//!   the empirical mean is used). This is the Θ(n²) term of the paper's bounds.
//!
//! ```text
//! epoch: w̃ = w, g̃ = RecoveredGradient(w̃)          (N oracle calls)
//!        repeat m times: draw ν (hidden), w ← prox_{ηψ}(w − η(∇f_ν(w) − ∇f_ν(w̃) + g̃))   (2 calls)
//! ```
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `n` | — | ≥ 1 | the number of components (known in the global oracle model) |
//! | `step` | — | > 0 | η, e.g. 1/(3 max Lᵢ) |
//! | `epoch_length` | n² / 4 (≥ n) | ≥ 1 | m, inner steps per snapshot (m ≈ n² amortizes the snapshot) |
//! | `snapshot_factor` | 4 | > 0 | c in N = ⌈c n² ln(n + 1)⌉ |
//! | `seed` | 0 | any | the oracle's generator |
//!
//! Work: `oracle_calls`. [`ShuffledComponents`] wraps a smooth [`LinearModel`] as such an oracle.

use std::collections::HashMap;

use gradus_oracle::{
    FiniteSum, LinearModel, Method, Monitor, Objective, Observer, Report, RunConfig, StepOutcome, StochasticOracle,
    Work, run,
};
use ndarray::{Array1, ArrayView1, ArrayViewMut1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::error::{Result, check_start, invalid};

const SOLVER: &str = "index-free-svrg";

/// A finite-sum linear model seen through a stochastic oracle: each call draws a hidden component uniformly.
pub struct ShuffledComponents<'a> {
    model: &'a LinearModel,
}

impl<'a> ShuffledComponents<'a> {
    /// Wraps a model (its smooth part; λ₁ is left to the solver's prox).
    pub fn new(model: &'a LinearModel) -> Self {
        ShuffledComponents { model }
    }
}

impl StochasticOracle for ShuffledComponents<'_> {
    fn dim(&self) -> usize {
        self.model.dim()
    }
    fn sample_gradient(&self, x: ArrayView1<f64>, rng: &mut StdRng, out: ArrayViewMut1<f64>) -> f64 {
        let i = rng.random_range(0..self.model.n());
        self.model.component_gradient(i, x, out);
        self.model.component_value(i, x)
    }
}

/// The parameters; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexFreeSvrgParams {
    /// n.
    pub n: usize,
    /// η.
    pub step: f64,
    /// m, or `None` for max(n, n²/4).
    pub epoch_length: Option<usize>,
    /// c.
    pub snapshot_factor: f64,
    /// λ₁ of an optional L1 prox.
    pub l1: f64,
    /// The seed.
    pub seed: u64,
}

impl IndexFreeSvrgParams {
    /// n components, step η.
    pub fn new(n: usize, step: f64) -> Self {
        IndexFreeSvrgParams {
            n,
            step,
            epoch_length: None,
            snapshot_factor: 4.0,
            l1: 0.0,
            seed: 0,
        }
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if self.n == 0 {
            return Err(invalid(SOLVER, "n", 0, "must be >= 1"));
        }
        if !(self.step.is_finite() && self.step > 0.0) {
            return Err(invalid(SOLVER, "step", self.step, "must be finite and > 0"));
        }
        if self.epoch_length == Some(0) {
            return Err(invalid(SOLVER, "epoch_length", 0, "must be >= 1"));
        }
        if !(self.snapshot_factor.is_finite() && self.snapshot_factor > 0.0) {
            return Err(invalid(
                SOLVER,
                "snapshot_factor",
                self.snapshot_factor,
                "must be finite and > 0",
            ));
        }
        if !(self.l1.is_finite() && self.l1 >= 0.0) {
            return Err(invalid(SOLVER, "l1", self.l1, "must be finite and >= 0"));
        }
        Ok(())
    }
    /// Runs from x0, one trace step per epoch.
    pub fn solve(
        &self,
        oracle: &dyn StochasticOracle,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        self.validate()?;
        check_start(SOLVER, oracle.dim(), x0)?;
        let d = oracle.dim();
        let mut m = IndexFreeSvrg {
            oracle,
            w: x0.to_owned(),
            snap: Array1::zeros(d),
            snap_grad: Array1::zeros(d),
            ga: Array1::zeros(d),
            gb: Array1::zeros(d),
            rng: StdRng::seed_from_u64(self.seed),
            params: self.clone(),
            exact_snapshots: 0,
        };
        Ok(run(&mut m, monitor, config, observer)?)
    }
}

struct IndexFreeSvrg<'o> {
    oracle: &'o dyn StochasticOracle,
    w: Array1<f64>,
    snap: Array1<f64>,
    snap_grad: Array1<f64>,
    ga: Array1<f64>,
    gb: Array1<f64>,
    rng: StdRng,
    params: IndexFreeSvrgParams,
    exact_snapshots: u64,
}

/// A 64-bit FNV-1a hash of the bits of a value and a vector (identical answers hash identically).
fn answer_hash(value: f64, g: &Array1<f64>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(value.to_bits()).chain(g.iter().map(|v| v.to_bits())) {
        h ^= b;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl IndexFreeSvrg<'_> {
    /// ∇f(w̃) from N hidden samples, grouped and rounded to multiples of 1/n.
    fn recover_gradient(&mut self, work: &mut Work) {
        let n = self.params.n;
        let draws = (self.params.snapshot_factor * (n * n) as f64 * ((n + 1) as f64).ln())
            .ceil()
            .max(n as f64) as usize;
        let mut groups: HashMap<u64, (usize, Array1<f64>)> = HashMap::new();
        let mut mean = Array1::<f64>::zeros(self.w.len());
        for _ in 0..draws {
            let v = self
                .oracle
                .sample_gradient(self.snap.view(), &mut self.rng, self.ga.view_mut());
            mean += &self.ga;
            groups
                .entry(answer_hash(v, &self.ga))
                .and_modify(|e| e.0 += 1)
                .or_insert_with(|| (1, self.ga.clone()));
        }
        work.oracle_calls += draws as u64;
        let counts: Vec<usize> = groups
            .values()
            .map(|(c, _)| (*c as f64 * n as f64 / draws as f64).round() as usize)
            .collect();
        if counts.iter().sum::<usize>() == n {
            self.snap_grad.fill(0.0);
            for ((_, g), &k) in groups.values().zip(&counts) {
                self.snap_grad.scaled_add(k as f64 / n as f64, g);
            }
            self.exact_snapshots += 1;
        } else {
            self.snap_grad.assign(&(mean / draws as f64));
        }
    }
}

impl Method for IndexFreeSvrg<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let n = self.params.n;
        self.snap.assign(&self.w);
        self.recover_gradient(work);
        let m = self.params.epoch_length.unwrap_or((n * n / 4).max(n));
        let (eta, tau) = (self.params.step, self.params.step * self.params.l1);
        for _ in 0..m {
            // The same hidden sample at w and w̃: two generators in the same state (StdRng is not Clone).
            let seed: u64 = self.rng.random();
            let (mut r1, mut r2) = (StdRng::seed_from_u64(seed), StdRng::seed_from_u64(seed));
            self.oracle.sample_gradient(self.w.view(), &mut r1, self.ga.view_mut());
            self.oracle
                .sample_gradient(self.snap.view(), &mut r2, self.gb.view_mut());
            for j in 0..self.w.len() {
                let v = self.w[j] - eta * (self.ga[j] - self.gb[j] + self.snap_grad[j]);
                self.w[j] = gradus_oracle::regularizer::soft_threshold(v, tau);
            }
        }
        work.oracle_calls += 2 * m as u64;
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use gradus_oracle::{Loss, ObjectiveMonitor, Silent, Status, Stop};

    #[test]
    fn reaches_1e_minus_6_without_indices() {
        let m = small_model(Loss::Logistic, false, 0.05, 0.0);
        let xs = reference_solution(&m);
        let f_star = m.total_value(xs.view());
        let oracle = ShuffledComponents::new(&m);
        let step = 1.0 / (3.0 * m.max_component_smoothness());
        let p = IndexFreeSvrgParams::new(m.n(), step).seed(5);
        let cfg = RunConfig::new(Stop::iterations(40).with_target("rel_subopt", 1e-6), m.n());
        let mon = ObjectiveMonitor::new(&m).with_optimum(f_star);
        let r = p
            .solve(&oracle, Array1::zeros(m.dim()).view(), &cfg, &mon, &mut Silent)
            .unwrap();
        assert_eq!(r.status, Status::Converged);
        assert!(IndexFreeSvrgParams::new(0, 1.0).validate().is_err());
        assert!(IndexFreeSvrgParams::new(3, -1.0).validate().is_err());
    }
}
