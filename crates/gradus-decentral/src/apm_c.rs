//! APM-C, the accelerated penalty method with consensus (Li, Fang, Yin, Lin 2018), as in the IDEAL authors'
//! `APM_C.m`:
//!
//! ```text
//! θ = √(μ/L),  v_k = (1 − θ)^{k+1}
//! Y = X_k + ((Lθ − μ)/(L − μ))·((1 − θ)/θ)·(X_k − X_{k−1})       (Nesterov extrapolation)
//! Z₀ = Y − ∇F(Y)/L                                                 (local gradient step)
//! Z_{t+1} = (1 + η_c)W_mix Z_t − η_c Z_{t−1},  Z_{−1} = Z₀,  t < T_k (accelerated consensus)
//! X_{k+1} = (L v_k Z₀ + Z_{T_k})/(L v_k + 1)
//! ```
//! with η_c = (1 − √(1 − λ₂²))/(1 + √(1 − λ₂²)), λ₂ of W_mix. T_k communication rounds and one gradient
//! computation per iteration.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `rounds` | T_k = T₀ + ⌈k·θ/√(1 − λ₂)⌉, T₀ = ⌈1/√(1 − λ₂)⌉ | ≥ 1 | consensus rounds at iteration k; the growth keeps the consensus error below the optimization error ((1 − √(1−λ₂))^{T_k} ≲ (1 − θ)^k), as the original's increasing T_k |
//! | `fixed_rounds` | None | ≥ 1 | a fixed T instead (the authors' code uses a fixed `InnerIter`) |
//!
//! Reference: H. Li, C. Fang, W. Yin, Z. Lin, *Decentralized accelerated gradient methods with increasing
//! penalty parameters*, IEEE TSP 68, 2020 (arXiv 1802.01515).

use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array2, ArrayView1, ArrayView2, Zip};

use crate::consensus::{LocalProblem, agree_finite, check_run_config, flat, prepare};
use crate::error::{Result, invalid};
use crate::network::{Communicator, mixing_product};

/// The parameters of APM-C (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ApmcParams {
    /// A fixed number of consensus rounds per iteration (None: the growing default).
    pub fixed_rounds: Option<usize>,
}

impl ApmcParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs APM-C on the shared loop.
    pub fn solve(
        &self,
        problem: &LocalProblem,
        comm: &dyn Communicator,
        x0: ArrayView2<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        check_run_config(comm, config)?;
        let mut state = ApmcState::new(problem, comm, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// η_c = (1 − √(1 − λ₂²))/(1 + √(1 − λ₂²)), the momentum of accelerated consensus.
pub fn consensus_momentum(lambda2: f64) -> f64 {
    let r = (1.0 - lambda2 * lambda2).max(0.0).sqrt();
    (1.0 - r) / (1.0 + r)
}

/// The state of APM-C.
pub struct ApmcState<'a> {
    problem: &'a LocalProblem,
    comm: &'a dyn Communicator,
    /// L = maxᵢ Lᵢ.
    l: f64,
    theta: f64,
    momentum: f64,
    eta_c: f64,
    rounds0: f64,
    rounds_slope: f64,
    fixed: Option<usize>,
    x: Array2<f64>,
    x_prev: Array2<f64>,
    y: Array2<f64>,
    g: Array2<f64>,
    z0: Array2<f64>,
    z: Array2<f64>,
    z_prev: Array2<f64>,
    mz: Array2<f64>,
    k: u64,
}

impl<'a> ApmcState<'a> {
    /// Checks the parameters and X₀.
    pub fn new(
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
        params: &ApmcParams,
    ) -> Result<Self> {
        let constants = prepare(problem, comm, x0)?;
        if params.fixed_rounds == Some(0) {
            return Err(invalid("apm-c", "fixed_rounds", 0.0, "must be >= 1"));
        }
        let (mu, l) = (constants.mu, constants.l);
        let theta = (mu / l).sqrt();
        let momentum = if l > mu {
            ((l * theta - mu) / (l - mu)) * ((1.0 - theta) / theta)
        } else {
            0.0
        };
        let lambda2 = comm.spectrum().lambda2;
        let gap = (1.0 - lambda2).max(1e-12).sqrt();
        let z = Array2::zeros(x0.dim());
        Ok(ApmcState {
            problem,
            comm,
            l,
            theta,
            momentum,
            eta_c: consensus_momentum(lambda2),
            rounds0: (1.0 / gap).ceil(),
            rounds_slope: theta / gap,
            fixed: params.fixed_rounds,
            x: x0.to_owned(),
            x_prev: x0.to_owned(),
            y: z.clone(),
            g: z.clone(),
            z0: z.clone(),
            z: z.clone(),
            z_prev: z.clone(),
            mz: z,
            k: 0,
        })
    }

    /// T_k, the consensus rounds of iteration k.
    pub fn rounds(&self, k: u64) -> usize {
        self.fixed
            .unwrap_or_else(|| (self.rounds0 + (k as f64 * self.rounds_slope).ceil()) as usize)
    }
}

impl Method for ApmcState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        flat(&self.x)
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let b = self.momentum;
        Zip::from(&mut self.y)
            .and(&self.x)
            .and(&self.x_prev)
            .for_each(|y, &x, &xp| *y = x + b * (x - xp));
        self.problem
            .gradients(self.comm, self.y.view(), self.g.view_mut(), work);
        let inv_l = 1.0 / self.l;
        Zip::from(&mut self.z0)
            .and(&self.y)
            .and(&self.g)
            .for_each(|z, &y, &g| *z = y - inv_l * g);
        self.z.assign(&self.z0);
        self.z_prev.assign(&self.z0);
        let eta = self.eta_c;
        for _ in 0..self.rounds(self.k) {
            mixing_product(self.comm, self.z.view(), self.mz.view_mut(), work);
            Zip::from(&mut self.z)
                .and(&mut self.z_prev)
                .and(&self.mz)
                .for_each(|z, zp, &mz| {
                    let new = (1.0 + eta) * mz - eta * *zp;
                    *zp = *z;
                    *z = new;
                });
        }
        let lv = self.l * (1.0 - self.theta).powf((self.k + 1) as f64);
        self.x_prev.assign(&self.x);
        Zip::from(&mut self.x)
            .and(&self.z0)
            .and(&self.z)
            .for_each(|x, &z0, &z| *x = (lv * z0 + z) / (lv + 1.0));
        self.k += 1;
        agree_finite(self.comm, &mut self.x);
        StepOutcome::Continue
    }
}
