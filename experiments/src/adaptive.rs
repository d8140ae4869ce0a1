//! `adaptive`: step sizes that follow non-stationary gradient noise (Zhang, Lin, Das, Sra, Jadbabaie,
//! "Stochastic optimization with non-stationary noise", arXiv 2006.04429; spec `nonstationary-noise.md`).
//!
//! - **N1, synthetic** (spec S1/S2): a strongly convex diagonal quadratic (d = 10, λ ∈ [0.1, 1]) and the smooth
//!   nonconvex [`CosineWells`] f(x) = Σ (xᵢ²/2 + 2 cos xᵢ) − f* (d = 10, L = 3), both in the variance version (the
//!   steps are capped at 1/L and the idealized ones follow m_t = σ_t), from x₀ = (3, …, 3), under three noise
//!   schedules σ_t² (phases of high noise, increasing, spikes; [`NoiseSchedule`]). Methods: SGD with a constant
//!   step, the idealized steps c/m_t (p = 1) and c/m_t² (p = 2), AdapSGD and RMSProp, each over a ×2 grid around
//!   the constant the derived bound prescribes. Criterion: the η-weighted mean Σ η_t ‖∇f(x_t)‖² / Σ η_t of the exact
//!   gradient at the points where the stochastic gradients are drawn (the quantity the bounds control; uniform
//!   weights for RMSProp, which has no scalar step). On the quadratic, SGD and the idealized steps are linear in
//!   the noise, so the expected criterion is computed exactly (E x²_{t+1,i} = (1 − η_tλᵢ)² E x²_{t,i} + η_t²σ_t²/d)
//!   and the runs are checked against it.
//! - **N3, noise measurement** (the authors' `-save_noise`): SGD-momentum on the ReLU MLP and Fashion-MNIST; at the
//!   start of every epoch and after the last, ∇F = mean of the mini-batch gradients over a fixed partition of the
//!   training set into equal batches, then per batch ‖g_B − ∇F‖² and ‖g_B‖².
//! - **N2, optimizers** (2-core scale-down of ResNet-18/CIFAR-10): SGD-momentum, AdapSGD (lr grid) and Adam on the
//!   same MLP, train loss and test accuracy over epochs, lr ÷10 at 50 % and 75 % of the epochs for every method
//!   (the authors' `main.py`).

use std::cell::RefCell;

use gradus_adaptive::{Adam, AdapSgd, EpochTrainer, IdealizedSgd, RmsProp, SgdMomentum, StepDecay, StochasticStep};
use gradus_adaptive::{Sgd, StochasticRunner};
use gradus_data::fashion_mnist::{FashionMnist, Split};
use gradus_oracle::problems::nonstationary_noise::{
    CosineWells, NoiseSchedule, NonstationaryNoise, diagonal_quadratic, harmonic_mean, inverse_quadratic_mean,
    quadratic_mean,
};
use gradus_oracle::problems::{MiniBatchObjective, Mlp};
use gradus_oracle::{Method, Monitor, NoMetrics, Objective, Report, RunConfig, Silent, StepOutcome, Stop, Work, run};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1, s};
use rayon::prelude::*;

use crate::error::ExpError;
use crate::harness::{Claim, Ctx, Outcome};
use crate::plot::{Curve, Figure, Legend, LongTable, save};
use crate::util::{max_of_runs, min_of_runs, progress};

/// Runs the experiment.
pub fn run_experiment(ctx: &Ctx) -> Result<Outcome, ExpError> {
    let mut claims = Vec::new();
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    n1(ctx, &mut claims, &mut figures, &mut notes)?;
    match FashionMnist::locate(Split::Train).and(FashionMnist::locate(Split::Test)) {
        Ok(_) => fashion(ctx, &mut claims, &mut figures, &mut notes)?,
        Err(e) => {
            notes.push(format!("N2 and N3 skipped: {e}"));
            claims.push(Claim::at_least(
                "adaptive.N3.noise_varies",
                &format!("not measured: Fashion-MNIST is not installed ({e})"),
                f64::NAN,
                2.0,
                false,
            ));
        }
    }
    Ok(Outcome::Done { claims, figures, notes })
}

// ---------------------------------------------------------------------------------------------------------------
// N1

/// The methods of N1, in order.
const METHODS: [&str; 5] = ["SGD", "ideal p=1", "ideal p=2", "AdapSGD", "RMSProp"];
const SGD: usize = 0;
const IDEAL1: usize = 1;
const IDEAL2: usize = 2;
const ADAP: usize = 3;
const RMS: usize = 4;
const DIM: usize = 10;
/// Points recorded per run for the figures.
const CURVE_POINTS: usize = 100;

/// Forwards to a borrowed objective (so one noise wrapper type serves both problems).
struct Borrowed<'a>(&'a (dyn Objective + 'a));

impl Objective for Borrowed<'_> {
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        self.0.value(x)
    }
    fn gradient(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        self.0.gradient(x, out)
    }
    fn smoothness(&self) -> f64 {
        self.0.smoothness()
    }
}

/// One problem under one noise schedule.
struct Setting {
    problem: &'static str,
    schedule_name: &'static str,
    objective: Box<dyn Objective>,
    schedule: NoiseSchedule,
    /// m_t as the idealized steps use it (σ_t: the variance version).
    levels: Vec<f64>,
    /// The cap on the steps of SGD and the idealized steps (1/L, the variance version).
    cap: f64,
    /// Δ = f(x₀) − f*.
    delta: f64,
    l: f64,
    /// The quadratic's eigenvalues (None for the nonconvex function).
    lambda: Option<Vec<f64>>,
}

impl Setting {
    fn horizon(&self) -> usize {
        self.schedule.horizon()
    }

    /// The center of each method's grid: the constant the derived bound prescribes.
    fn center(&self, method: usize) -> f64 {
        let t = self.horizon() as f64;
        let (delta, l) = (self.delta, self.l);
        let sum_sq: f64 = self.levels.iter().map(|m| m * m).sum();
        let sum_inv_sq: f64 = self.levels.iter().map(|m| 1.0 / (m * m)).sum();
        match method {
            SGD => (2.0 * delta / (l * sum_sq)).sqrt().min(self.cap),
            IDEAL2 => (2.0 * delta / (l * sum_inv_sq)).sqrt(),
            RMS => (2.0 * delta / (l * t)).sqrt() / (DIM as f64).sqrt(),
            _ => (2.0 * delta / (l * t)).sqrt(),
        }
    }

    /// The ratio of tuned SGD's bound to the bound of the idealized step of power p (M₂/M₋ₚ of the levels).
    fn predicted_gain(&self, power: u32) -> f64 {
        let m2 = quadratic_mean(&self.levels);
        if power == 1 {
            m2 / harmonic_mean(&self.levels)
        } else {
            m2 / inverse_quadratic_mean(&self.levels)
        }
    }

    fn optimizer(&self, method: usize, constant: f64) -> Result<Box<dyn StochasticStep>, ExpError> {
        let ideal = |p: u32| -> Result<Box<dyn StochasticStep>, ExpError> {
            let mut o = IdealizedSgd::new(DIM, constant, p, self.levels.clone())?;
            if self.cap.is_finite() {
                o = o.with_cap(self.cap)?;
            }
            Ok(Box::new(o))
        };
        Ok(match method {
            SGD => Box::new(Sgd::new(DIM, constant.min(self.cap))?),
            IDEAL1 => ideal(1)?,
            IDEAL2 => ideal(2)?,
            ADAP => Box::new(AdapSgd::new(DIM, constant)?),
            _ => Box::new(RmsProp::new(DIM, constant)?),
        })
    }

    /// The steps η_t of a method whose steps are fixed in advance (SGD, idealized); None for the others.
    fn planned_steps(&self, method: usize, constant: f64) -> Option<Vec<f64>> {
        let step = |m: f64| -> f64 {
            match method {
                SGD => constant.min(self.cap),
                IDEAL1 => (constant / m).min(self.cap),
                _ => (constant / (m * m)).min(self.cap),
            }
        };
        matches!(method, SGD | IDEAL1 | IDEAL2).then(|| self.levels.iter().map(|&m| step(m)).collect())
    }

    /// The derived bound on the expected η-weighted criterion for steps fixed in advance with η_t ≤ 1/L (variance
    /// version: smoothness gives E f(x_{t+1}) ≤ E f(x_t) − (η_t/2) E‖∇f(x_t)‖² + (L/2) η_t² σ_t², summed):
    /// (2Δ + L Σ η_t² σ_t²) / Σ η_t.
    fn derived_bound(&self, method: usize, constant: f64) -> Option<f64> {
        let steps = self.planned_steps(method, constant)?;
        let noise: f64 = steps
            .iter()
            .enumerate()
            .map(|(t, e)| e * e * self.schedule.second_moment(t))
            .sum();
        Some((2.0 * self.delta + self.l * noise) / steps.iter().sum::<f64>())
    }

    /// The exact expected criterion on the quadratic for a step sequence fixed in advance (SGD, idealized).
    fn exact_criterion(&self, method: usize, constant: f64) -> Option<f64> {
        let lambda = self.lambda.as_ref()?;
        let steps = self.planned_steps(method, constant)?;
        let step = |t: usize| steps[t];
        let mut ex2: Vec<f64> = vec![9.0; DIM];
        let (mut num, mut den) = (0.0, 0.0);
        for t in 0..self.horizon() {
            let eta = step(t);
            let grad_sq: f64 = lambda.iter().zip(&ex2).map(|(l, e)| l * l * e).sum();
            num += eta * grad_sq;
            den += eta;
            let noise = eta * eta * self.schedule.second_moment(t) / DIM as f64;
            for (e, l) in ex2.iter_mut().zip(lambda) {
                *e = (1.0 - eta * l) * (1.0 - eta * l) * *e + noise;
            }
        }
        Some(num / den)
    }
}

fn settings(horizon: usize) -> Result<Vec<Setting>, ExpError> {
    let schedules = |t: usize| -> Result<Vec<(&'static str, NoiseSchedule)>, ExpError> {
        Ok(vec![
            ("phases", NoiseSchedule::bursts(t, 10.0, 1000.0, t / 4, t / 40)?),
            ("increasing", NoiseSchedule::increasing(t, 10.0, 1000.0)?),
            ("spikes", NoiseSchedule::bursts(t, 10.0, 1000.0, 1000, 20)?),
        ])
    };
    let x0 = Array1::from_elem(DIM, 3.0);
    let mut out = Vec::new();
    for (name, schedule) in schedules(horizon)? {
        let q = diagonal_quadratic(DIM, 0.1, 1.0)?;
        let lambda: Vec<f64> = (0..DIM).map(|i| q.matrix()[[i, i]]).collect();
        out.push(Setting {
            problem: "quadratic",
            schedule_name: name,
            delta: q.value(x0.view()),
            l: 1.0,
            cap: 1.0,
            levels: schedule.levels(),
            lambda: Some(lambda),
            objective: Box::new(q),
            schedule,
        });
    }
    for (name, schedule) in schedules(horizon)? {
        let f = CosineWells::new(DIM, 2.0)?;
        out.push(Setting {
            problem: "nonconvex",
            schedule_name: name,
            delta: f.value(x0.view()),
            l: f.smoothness(),
            cap: 1.0 / f.smoothness(),
            levels: schedule.levels(),
            lambda: None,
            objective: Box::new(f),
            schedule,
        });
    }
    Ok(out)
}

/// One recorded point: (t, running criterion, step η_t, ‖∇f(x_t)‖² + σ_t² = E‖g_t‖²).
type Point = (f64, f64, f64, f64);

/// A stochastic runner that also accumulates the η-weighted criterion Σ η_t ‖∇f(x_t)‖² / Σ η_t at the points
/// where the gradients are drawn (metric work: one exact gradient per step, not counted as oracle work).
struct Tracked<'a> {
    runner: StochasticRunner<'a>,
    objective: &'a dyn Objective,
    schedule: &'a NoiseSchedule,
    grad: Array1<f64>,
    t: usize,
    weighted: f64,
    weights: f64,
    record_every: usize,
    curve: Vec<Point>,
}

impl Tracked<'_> {
    fn criterion(&self) -> f64 {
        self.weighted / self.weights
    }
}

impl Method for Tracked<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.runner.iterate()
    }
    fn step(&mut self, work: &mut Work) -> StepOutcome {
        self.objective.gradient(self.runner.iterate(), self.grad.view_mut());
        let grad_sq = self.grad.dot(&self.grad);
        let outcome = self.runner.step(work);
        let eta = self.runner.optimizer().step_size().unwrap_or(1.0);
        self.weighted += eta * grad_sq;
        self.weights += eta;
        if (self.t + 1).is_multiple_of(self.record_every) {
            let second_moment = grad_sq + self.schedule.second_moment(self.t);
            self.curve
                .push(((self.t + 1) as f64, self.criterion(), eta, second_moment));
        }
        self.t += 1;
        outcome
    }
}

/// The result of one N1 run.
struct N1Run {
    criterion: f64,
    failed: Option<String>,
    curve: Vec<Point>,
}

fn n1_run(setting: &Setting, method: usize, constant: f64, seed: u64, record_every: usize) -> Result<N1Run, ExpError> {
    let objective = Borrowed(&*setting.objective);
    let oracle = NonstationaryNoise::new(objective, setting.schedule.clone());
    let x0 = Array1::from_elem(DIM, 3.0);
    let runner = StochasticRunner::new(&oracle, setting.optimizer(method, constant)?, x0.view(), seed)?;
    let mut tracked = Tracked {
        runner,
        objective: &*setting.objective,
        schedule: &setting.schedule,
        grad: Array1::zeros(DIM),
        t: 0,
        weighted: 0.0,
        weights: 0.0,
        record_every,
        curve: Vec::new(),
    };
    let t = setting.horizon() as u64;
    let report = run(
        &mut tracked,
        &NoMetrics,
        &RunConfig::new(Stop::iterations(t), 1).record_every(t),
        &mut Silent,
    )?;
    let criterion = tracked.criterion();
    let failed = if report.status.is_diverged() || !criterion.is_finite() {
        Some(format!(
            "{} {} {} c={constant:.3e} seed {seed} ({})",
            setting.problem,
            setting.schedule_name,
            METHODS[method],
            report.status.name()
        ))
    } else {
        None
    };
    Ok(N1Run {
        criterion,
        failed,
        curve: tracked.curve,
    })
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn standard_error(v: &[f64]) -> f64 {
    let m = mean(v);
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0);
    (var / v.len() as f64).sqrt()
}

/// The best grid point of a method: (grid index, mean criterion over seeds); NaN when a seed failed there.
fn best_of_grid(means: &[f64]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (k, &m) in means.iter().enumerate() {
        if m < best.1 {
            best = (k, m);
        }
    }
    if means.iter().all(|m| m.is_nan()) {
        (0, f64::NAN)
    } else {
        best
    }
}

fn n1(ctx: &Ctx, claims: &mut Vec<Claim>, figures: &mut Vec<String>, notes: &mut Vec<String>) -> Result<(), ExpError> {
    let (horizon, seeds, grid): (usize, usize, Vec<i32>) = if ctx.quick {
        (4_000, 8, (-3..=3).collect())
    } else {
        (20_000, 20, (-4..=4).collect())
    };
    let settings = settings(horizon)?;
    let record_every = horizon / CURVE_POINTS;
    let jobs: Vec<(usize, usize, usize, usize)> = (0..settings.len())
        .flat_map(|si| {
            let g = grid.len();
            (0..METHODS.len()).flat_map(move |m| (0..g).flat_map(move |k| (0..seeds).map(move |s| (si, m, k, s))))
        })
        .collect();
    let bar = progress(jobs.len() as u64, "N1");
    let runs: Vec<N1Run> = jobs
        .par_iter()
        .map(|&(si, m, k, s)| {
            let st = &settings[si];
            let constant = st.center(m) * 2f64.powi(grid[k]);
            let seed = ctx.seed.wrapping_add(1000 + s as u64);
            let r = n1_run(st, m, constant, seed, record_every);
            bar.inc(1);
            r
        })
        .collect::<Result<_, ExpError>>()?;
    bar.finish_and_clear();
    let index = |si: usize, m: usize, k: usize, s: usize| ((si * METHODS.len() + m) * grid.len() + k) * seeds + s;
    let diverged: Vec<String> = runs.iter().filter_map(|r| r.failed.clone()).collect();
    if !diverged.is_empty() {
        notes.push(format!(
            "N1: {} grid runs failed (their grid points count as infinitely bad): {}",
            diverged.len(),
            diverged.join("; ")
        ));
    }

    // Per setting and method: mean criterion per grid point, the best grid point, its seeds' criteria.
    struct Best {
        k: usize,
        mean: f64,
        values: Vec<f64>,
        failed: Vec<String>,
    }
    let mut best: Vec<Vec<Best>> = Vec::new();
    let mut table = LongTable::new(&["setting", "grid_exponent", "constant", "mean_criterion", "se", "exact"]);
    for (si, st) in settings.iter().enumerate() {
        let mut row = Vec::new();
        for m in 0..METHODS.len() {
            let means: Vec<f64> = (0..grid.len())
                .map(|k| {
                    let v: Vec<f64> = (0..seeds).map(|s| runs[index(si, m, k, s)].criterion).collect();
                    let mean_v = if v.iter().all(|x| x.is_finite()) {
                        mean(&v)
                    } else {
                        f64::NAN
                    };
                    let exact = st
                        .exact_criterion(m, st.center(m) * 2f64.powi(grid[k]))
                        .unwrap_or(f64::NAN);
                    table.push(
                        METHODS[m],
                        0,
                        vec![
                            si as f64,
                            grid[k] as f64,
                            st.center(m) * 2f64.powi(grid[k]),
                            mean_v,
                            standard_error(&v),
                            exact,
                        ],
                    );
                    mean_v
                })
                .collect();
            let (k, mean_best) = best_of_grid(&means);
            let values: Vec<f64> = (0..seeds).map(|s| runs[index(si, m, k, s)].criterion).collect();
            let failed = (0..seeds)
                .filter_map(|s| runs[index(si, m, k, s)].failed.clone())
                .collect();
            if k == 0 || k + 1 == grid.len() {
                notes.push(format!(
                    "N1 {} {}: {}'s best constant is at the edge of its grid (2^{} × the bound's constant)",
                    st.problem, st.schedule_name, METHODS[m], grid[k]
                ));
            }
            row.push(Best {
                k,
                mean: mean_best,
                values,
                failed,
            });
        }
        best.push(row);
    }
    table.write_csv(&ctx.path("n1_grid.csv"))?;
    notes.push(format!(
        "N1: T = {horizon} steps, {seeds} seeds (common random numbers across methods), grids 2^k × the bound's \
         constant for k in {:?}; settings 0-2 = quadratic (phases, increasing, spikes), 3-5 = nonconvex; \
         n1_grid.csv holds every grid point (mean criterion, standard error, exact expectation on the quadratic)",
        grid
    ));

    // Figures: the running criterion of each method's best grid point, mean over seeds.
    for (si, st) in settings.iter().enumerate() {
        let mut fig = Figure::log_y(
            &format!(
                "N1 {} ({}), σ² ∈ [10, 1000]: η-weighted mean of ‖∇f(x_t)‖², best grid constant, {seeds} seeds",
                st.problem, st.schedule_name
            ),
            "iteration t",
            "Σ η_s‖∇f(x_s)‖² / Σ η_s (s ≤ t)",
        );
        fig.legend = Legend::Outside;
        let mut t = LongTable::new(&["iteration", "criterion"]);
        for (m, name) in METHODS.iter().enumerate() {
            let k = best[si][m].k;
            let curves: Vec<&Vec<Point>> = (0..seeds).map(|s| &runs[index(si, m, k, s)].curve).collect();
            let len = curves.iter().map(|c| c.len()).min().unwrap_or(0);
            let pts: Vec<(f64, f64)> = (0..len)
                .map(|i| (curves[0][i].0, mean(&curves.iter().map(|c| c[i].1).collect::<Vec<_>>())))
                .collect();
            for p in &pts {
                t.push(name, 0, vec![p.0, p.1]);
            }
            fig.curves.push(Curve::new(format!("{name} (2^{})", grid[k]), &pts));
        }
        figures.push(save(
            &ctx.dir,
            &format!("n1_{}_{}", st.problem, st.schedule_name),
            &fig,
            &t,
        )?);
    }

    // The estimator against the truth: AdapSGD's v_t = (lr/η_t − ε)² and E‖g_t‖², nonconvex, seed 0, every step.
    let mut rho_notes = Vec::new();
    for st in settings.iter().filter(|s| s.problem == "nonconvex") {
        let si = settings.iter().position(|x| std::ptr::eq(x, st)).expect("present");
        let lr = st.center(ADAP) * 2f64.powi(grid[best[si][ADAP].k]);
        let dense = n1_run(st, ADAP, lr, ctx.seed.wrapping_add(1000), 1)?;
        let v: Vec<(f64, f64, f64)> = dense
            .curve
            .iter()
            .map(|&(t, _, eta, truth)| (t, (lr / eta - 0.01).powi(2), truth))
            .collect();
        // The estimate at step t is built from g_0 … g_{t−1}; compare it with E‖g_t‖².
        let mut ratios: Vec<f64> = v.iter().map(|&(_, e, m)| (e / m).max(m / e)).collect();
        ratios.sort_by(f64::total_cmp);
        let q = |p: f64| ratios[((ratios.len() - 1) as f64 * p) as usize];
        rho_notes.push(format!(
            "{}: median {:.2}, 90 % {:.2}, max {:.1}",
            st.schedule_name,
            q(0.5),
            q(0.9),
            q(1.0)
        ));
        let mut fig = Figure::log_y(
            &format!(
                "N1 nonconvex ({}): AdapSGD's estimate v_t (β = 0.95) against E‖g_t‖² = ‖∇f(x_t)‖² + σ_t², seed 0",
                st.schedule_name
            ),
            "iteration t",
            "second moment",
        );
        fig.legend = Legend::Outside;
        let stride = (v.len() / 2000).max(1);
        let thin = |f: &dyn Fn(&(f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
            v.iter().step_by(stride).map(|p| (p.0, f(p))).collect()
        };
        let mut t = LongTable::new(&["iteration", "estimate", "truth"]);
        for p in v.iter().step_by(stride) {
            t.push("AdapSGD", 0, vec![p.0, p.1, p.2]);
        }
        fig.curves.push(Curve::new("E‖g_t‖² (truth)", &thin(&|p| p.2)));
        fig.curves.push(Curve::new("v_t (AdapSGD)", &thin(&|p| p.1)));
        figures.push(save(&ctx.dir, &format!("n1_estimator_{}", st.schedule_name), &fig, &t)?);
    }
    notes.push(format!(
        "N1 estimator quality ρ_t = max(v_t/E‖g_t‖², E‖g_t‖²/v_t) along AdapSGD's best-lr run (nonconvex, seed 0, \
         every step): {}. The derived bound (spec §3.7) loses a factor ρ = sup ρ_t against the idealized c/m_t.",
        rho_notes.join("; ")
    ));

    // Claims.
    let gain = |si: usize, p: usize| best[si][SGD].mean / best[si][p].mean;
    let mut lines = Vec::new();
    let mut gated = Vec::new();
    let mut gated_failed = Vec::new();
    let mut nonconvex_gains = Vec::new();
    let mut nonconvex_failed = Vec::new();
    let mut theory_ratios = Vec::new();
    let mut exact_z = Vec::new();
    for (si, st) in settings.iter().enumerate() {
        for (p, method) in [(1u32, IDEAL1), (2, IDEAL2)] {
            let measured = gain(si, method);
            let predicted = st.predicted_gain(p);
            theory_ratios.push(measured / predicted);
            let failed: Vec<String> = best[si][SGD]
                .failed
                .iter()
                .chain(&best[si][method].failed)
                .cloned()
                .collect();
            let exact = match (
                st.exact_criterion(SGD, st.center(SGD) * 2f64.powi(grid[best[si][SGD].k])),
                st.exact_criterion(method, st.center(method) * 2f64.powi(grid[best[si][method].k])),
            ) {
                (Some(a), Some(b)) => {
                    // The exact best of each grid (not only at the measured best points).
                    let best_exact = |m: usize| {
                        min_of_runs(
                            &grid
                                .iter()
                                .map(|&k| st.exact_criterion(m, st.center(m) * 2f64.powi(k)).unwrap_or(f64::NAN))
                                .collect::<Vec<_>>(),
                        )
                    };
                    let exact_gain = best_exact(SGD) / best_exact(method);
                    for (m, e) in [(SGD, a), (method, b)] {
                        let sd = standard_error(&best[si][m].values);
                        exact_z.push(((best[si][m].mean - e) / sd).abs());
                    }
                    if exact_gain > 1.0 {
                        gated.push(measured);
                        gated_failed.extend(failed.clone());
                    }
                    Some(exact_gain)
                }
                _ => {
                    nonconvex_gains.push(measured);
                    nonconvex_failed.extend(failed.clone());
                    None
                }
            };
            lines.push(format!(
                "{} {} p={p}: measured gain {measured:.3}{}, bound ratio M₂/M₋{p} = {predicted:.3}",
                st.problem,
                st.schedule_name,
                exact.map_or(String::new(), |e| format!(" (exact expectation {e:.3})"))
            ));
        }
    }
    notes.push(format!(
        "N1 gains (criterion of tuned SGD / criterion of the tuned idealized step): {}",
        lines.join("; ")
    ));
    claims.push(
        Claim::at_least(
            "adaptive.N1.idealized_beats_sgd",
            &format!(
                "Quadratic (variance version, steps capped at 1/L): the idealized steps c/σ_t and c/σ_t², tuned over \
                 their grids, reach a lower η-weighted mean of ‖∇f‖² than SGD with its best constant step: smallest \
                 measured gain (SGD / idealized, mean over {seeds} seeds) over the {} (schedule, power) pairs where the \
                 exact expectation (linear recursion of E x², a proof for this instance) gives a gain > 1; threshold 1 \
                 (the derived bounds order M₋₂ ≤ M₋₁ ≤ M₂, spec §3.3-3.5 [D]). Gated"
            , gated.len()),
            min_of_runs(&gated),
            1.0,
            true,
        )
        .with_failed_runs(gated_failed),
    );
    claims.push(
        Claim::at_least(
            "adaptive.N1.idealized_beats_sgd_nonconvex",
            &format!(
                "Nonconvex Σ(x²/2 + 2cos x) − f* (variance version, steps capped at 1/L = 1/3): smallest measured \
                 gain of the tuned idealized steps c/σ_t and c/σ_t² over tuned SGD, over the 3 schedules (mean over \
                 {seeds} seeds); threshold 1. The derived bounds predict the direction, but they are upper bounds and \
                 no exact expectation is available here: empirical, not gated"
            ),
            min_of_runs(&nonconvex_gains),
            1.0,
            false,
        )
        .with_failed_runs(nonconvex_failed),
    );
    let geo = (theory_ratios.iter().map(|r| r.ln()).sum::<f64>() / theory_ratios.len() as f64).exp();
    let all_failed: Vec<String> = best
        .iter()
        .flat_map(|row| [SGD, IDEAL1, IDEAL2].map(|m| row[m].failed.clone()))
        .flatten()
        .collect();
    claims.push(
        Claim::at_least(
            "adaptive.N1.gain_vs_theory",
            &format!(
                "Measured gain of the tuned idealized step over tuned SGD divided by the ratio of power means the \
                 derived bound predicts for its step form (M₂/M₋₁ for c/m_t, M₂/M₋₂ for c/m_t²; spec §3.3-3.4 [D]): \
                 geometric mean over 2 problems × 3 schedules × 2 powers (range {:.2}-{:.2}; each case in the \
                 notes). 1 would mean the bound ratio is attained; the bounds are worst-case upper bounds, so the \
                 measured gain may fall short or exceed it: empirical, not gated",
                min_of_runs(&theory_ratios),
                max_of_runs(&theory_ratios)
            ),
            geo,
            1.0,
            false,
        )
        .with_failed_runs(all_failed),
    );
    let mut track = Vec::new();
    let mut track_failed = Vec::new();
    let mut track_lines = Vec::new();
    for (si, st) in settings.iter().enumerate() {
        let ratio = best[si][ADAP].mean / best[si][IDEAL1].mean;
        let rms = best[si][RMS].mean / best[si][IDEAL1].mean;
        track_lines.push(format!(
            "{} {}: AdapSGD/ideal {ratio:.3}, RMSProp/ideal {rms:.3} (RMSProp's criterion is uniformly weighted)",
            st.problem, st.schedule_name
        ));
        if st.schedule_name != "spikes" {
            track.push(ratio);
            track_failed.extend(best[si][ADAP].failed.iter().chain(&best[si][IDEAL1].failed).cloned());
        }
    }
    notes.push(format!(
        "N1 estimator vs idealized c/m_t (best grid constants): {}",
        track_lines.join("; ")
    ));
    claims.push(
        Claim::at_most(
            "adaptive.N1.estimator_tracks_idealized",
            &format!(
                "AdapSGD (β = 0.95, ε = 0.01, tuned lr) within a factor 1.5 of the tuned idealized step c/m_t where \
                 m_t varies slowly against the estimator's memory 1/(1 − β) = 20 steps (phases of {} steps and the \
                 linear increase, both problems): largest ratio of η-weighted criteria. The derived bound (spec §3.7) \
                 only says the loss factor is at most ρ = sup max(v/m², m²/v), measured in the notes; the 1.5 level is \
                 the spec's C8, empirical: not gated. Spikes of 20 steps (≈ the memory) are reported in the notes",
                horizon / 40
            ),
            max_of_runs(&track),
            1.5,
            false,
        )
        .with_failed_runs(track_failed),
    );
    // The derived bound, at every grid point of SGD and the idealized steps, both problems.
    let mut bound_ratio = Vec::new();
    let mut bound_failed = Vec::new();
    for (si, st) in settings.iter().enumerate() {
        for m in [SGD, IDEAL1, IDEAL2] {
            for (k, &e) in grid.iter().enumerate() {
                let v: Vec<f64> = (0..seeds).map(|s| runs[index(si, m, k, s)].criterion).collect();
                let bound = st.derived_bound(m, st.center(m) * 2f64.powi(e)).unwrap_or(f64::NAN);
                bound_ratio.push((mean(&v) + 3.0 * standard_error(&v)) / bound);
                bound_failed.extend((0..seeds).filter_map(|s| runs[index(si, m, k, s)].failed.clone()));
            }
        }
    }
    claims.push(
        Claim::at_most(
            "adaptive.N1.derived_bound_holds",
            &format!(
                "For steps fixed in advance with η_t ≤ 1/L (SGD, c/σ_t, c/σ_t², every grid point, both problems, \
                 3 schedules: {} cases), the mean η-weighted criterion plus 3 standard errors stays below the derived \
                 bound (2Δ + L Σ η_t²σ_t²)/Σ η_t (smoothness and unbiasedness, the variance version of spec §3.5 \
                 [D]): largest ratio; threshold 1. Gated: a theorem for every L-smooth f bounded below",
                bound_ratio.len()
            ),
            max_of_runs(&bound_ratio),
            1.0,
            true,
        )
        .with_failed_runs(bound_failed),
    );
    let exact_failed: Vec<String> = best
        .iter()
        .take(3)
        .flat_map(|row| [SGD, IDEAL1, IDEAL2].map(|m| row[m].failed.clone()))
        .flatten()
        .collect();
    claims.push(
        Claim::at_most(
            "adaptive.N1.quadratic_matches_exact_expectation",
            &format!(
                "Quadratic: the measured mean criterion of SGD and of the idealized steps at their best grid points \
                 agrees with the exact expectation (linear recursion of E x², computed without sampling): largest \
                 |mean − exact| / standard error over {} cases, {seeds} seeds; threshold 6 (sampling error only). \
                 Gated: a correctness check of the noise model, the steps and the criterion",
                exact_z.len()
            ),
            max_of_runs(&exact_z),
            6.0,
            true,
        )
        .with_failed_runs(exact_failed),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// N2 and N3

/// The MLP in full mode.
const MLP_SIZES: [usize; 4] = [784, 128, 128, 10];
const EPOCHS: usize = 20;
const BATCH: usize = 120;
const ADAP_LRS: [f64; 3] = [0.1, 0.3, 1.0];

/// Per epoch: ‖∇F‖², mean ‖g_B‖², mean ‖g_B − ∇F‖², and the smallest and largest ‖g_B − ∇F‖².
type NoiseRow = (f64, f64, f64, f64, f64);

/// Train loss/accuracy (first 10 000 images), test accuracy; with `noise`, also the N3 measurement.
struct NetMonitor<'a> {
    mlp: &'a Mlp,
    train_x: ndarray::ArrayView2<'a, f64>,
    train_y: &'a Array1<f64>,
    test_x: &'a Array2<f64>,
    test_y: &'a Array1<f64>,
    /// The batch size of the N3 partition.
    batch: usize,
    noise: Option<RefCell<Vec<NoiseRow>>>,
}

impl NetMonitor<'_> {
    /// The N3 measurement at θ: ∇F = mean of g_B over the fixed partition into consecutive batches of `BATCH`,
    /// then per batch ‖g_B − ∇F‖² and ‖g_B‖² (two passes, the authors' `-save_noise`).
    fn measure_noise(&self, theta: ArrayView1<f64>, batch: usize) -> NoiseRow {
        let n = MiniBatchObjective::len(self.mlp);
        let d = self.mlp.num_params();
        let mut ws = MiniBatchObjective::workspace(self.mlp);
        let mut g = Array1::zeros(d);
        let mut full = Array1::<f64>::zeros(d);
        let batches: Vec<Vec<usize>> = (0..n / batch).map(|b| (b * batch..(b + 1) * batch).collect()).collect();
        for b in &batches {
            self.mlp.batch_gradient(theta, b, &mut ws, g.view_mut());
            full += &g;
        }
        full /= batches.len() as f64;
        let (mut sq, mut noise, mut lo, mut hi) = (0.0, 0.0, f64::INFINITY, 0.0f64);
        for b in &batches {
            self.mlp.batch_gradient(theta, b, &mut ws, g.view_mut());
            sq += g.dot(&g);
            let e: f64 = g.iter().zip(&full).map(|(a, b)| (a - b) * (a - b)).sum();
            noise += e;
            lo = lo.min(e);
            hi = hi.max(e);
        }
        let k = batches.len() as f64;
        (full.dot(&full), sq / k, noise / k, lo, hi)
    }
}

impl Monitor for NetMonitor<'_> {
    fn names(&self) -> Vec<String> {
        vec!["train_loss".into(), "train_acc".into(), "test_acc".into()]
    }
    fn evaluate(&self, x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        let (loss, acc) = self.mlp.evaluate(x, self.train_x, self.train_y);
        let (_, test) = self.mlp.evaluate(x, self.test_x.view(), self.test_y);
        out.extend([loss, acc, test]);
        if let Some(rows) = &self.noise {
            let row = self.measure_noise(x, self.batch);
            rows.borrow_mut().push(row);
        }
    }
}

fn fashion(
    ctx: &Ctx,
    claims: &mut Vec<Claim>,
    figures: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<(), ExpError> {
    let (n_train, n_test, epochs, sizes, batch, lrs): (usize, usize, usize, &[usize], usize, &[f64]) = if ctx.quick {
        (2_000, 500, 3, &[784, 32, 10], 100, &[0.3])
    } else {
        (60_000, 10_000, EPOCHS, &MLP_SIZES, BATCH, &ADAP_LRS)
    };
    let (train_x, train_y) = FashionMnist::load_first(Split::Train, n_train)?;
    let (test_x, test_y) = FashionMnist::load_first(Split::Test, n_test)?;
    let n_eval = train_x.nrows().min(10_000);
    let eval_y = train_y.slice(s![..n_eval]).to_owned();
    let model = Mlp::new(sizes, train_x, &train_y)?;
    let train_eval = model.inputs().slice_move(s![..n_eval, ..]);
    let dim = model.num_params();
    let n = MiniBatchObjective::len(&model);
    let names: Vec<String> = ["SGD-m".to_string(), "Adam".to_string()]
        .into_iter()
        .chain(lrs.iter().map(|lr| format!("AdapSGD lr {lr}")))
        .collect();
    let decay = StepDecay::halves_and_three_quarters(epochs);
    let bar = progress(names.len() as u64, "N2/N3");
    let results: Vec<(Report, Vec<NoiseRow>)> = (0..names.len())
        .into_par_iter()
        .map(|o| {
            let seed = ctx.seed.wrapping_add(7);
            let opt: Box<dyn StochasticStep> = match o {
                0 => Box::new(SgdMomentum::paper(dim, epochs)?),
                1 => Box::new(Adam::torch(dim, 1e-3, 5e-4)?.with_decay(decay.clone())),
                _ => Box::new(AdapSgd::authors(dim, lrs[o - 2], epochs)?),
            };
            let x0 = model.init(seed);
            let mut trainer = EpochTrainer::new(&model, opt, x0.view(), batch, seed)?;
            let monitor = NetMonitor {
                mlp: &model,
                train_x: train_eval,
                train_y: &eval_y,
                test_x: &test_x,
                test_y: &test_y,
                batch,
                noise: (o == 0).then(|| RefCell::new(Vec::new())),
            };
            let r = run(
                &mut trainer,
                &monitor,
                &RunConfig::new(Stop::iterations(epochs as u64), n),
                &mut Silent,
            )?;
            bar.inc(1);
            Ok((r, monitor.noise.map(|c| c.into_inner()).unwrap_or_default()))
        })
        .collect::<Result<_, ExpError>>()?;
    bar.finish_and_clear();
    let failed = |o: usize| -> Vec<String> {
        let r = &results[o].0;
        if r.status.is_diverged() || r.trace.last_value("test_acc").is_none_or(|v| !v.is_finite()) {
            vec![format!("{} ({})", names[o], r.status.name())]
        } else {
            Vec::new()
        }
    };
    notes.push(format!(
        "N2/N3: MLP {sizes:?} ({dim} parameters) on {n} Fashion-MNIST training images ({n_test} test), batch {batch}, \
         {epochs} epochs, lr ÷10 at epochs {} and {} for every method; SGD-m lr 0.1, μ 0.9, wd 5e-4; Adam lr 1e-3, \
         torch defaults, wd 5e-4; AdapSGD β 0.95, ε 0.01, wd 5e-4, lr {lrs:?}; one seed; train loss/accuracy on the \
         first {n_eval} training images",
        epochs / 2,
        epochs * 3 / 4
    ));

    // N3: the noise over training (SGD-m run).
    let noise = &results[0].1;
    let mut fig = Figure::log_y(
        &format!("N3: gradient noise along SGD-m's training, MLP {sizes:?}, Fashion-MNIST, batch {batch}"),
        "epoch",
        "squared norm",
    );
    fig.legend = Legend::Outside;
    let mut t = LongTable::new(&[
        "epoch",
        "full_grad_sq",
        "mean_batch_grad_sq",
        "mean_noise_sq",
        "min_noise_sq",
        "max_noise_sq",
    ]);
    for (e, r) in noise.iter().enumerate() {
        t.push("SGD-m", 0, vec![e as f64, r.0, r.1, r.2, r.3, r.4]);
    }
    let series = |f: &dyn Fn(&NoiseRow) -> f64| -> Vec<(f64, f64)> {
        noise.iter().enumerate().map(|(e, r)| (e as f64, f(r))).collect()
    };
    fig.curves.push(Curve::new("‖∇F‖²", &series(&|r| r.0)));
    fig.curves.push(Curve::new("mean ‖g_B‖²", &series(&|r| r.1)));
    let mut c = Curve::new("mean ‖g_B − ∇F‖² (min-max over batches)", &series(&|r| r.2));
    c.band = Some((noise.iter().map(|r| r.3).collect(), noise.iter().map(|r| r.4).collect()));
    fig.curves.push(c);
    figures.push(save(&ctx.dir, "n3_noise", &fig, &t)?);
    let levels: Vec<f64> = noise.iter().map(|r| r.2).collect();
    let variation = max_of_runs(&levels) / min_of_runs(&levels);
    let trained = levels.get(1..).unwrap_or(&[]);
    let variation_trained = max_of_runs(trained) / min_of_runs(trained);
    let at = |e: usize| levels.get(e).copied().unwrap_or(f64::NAN);
    let first_drop = epochs / 2;
    notes.push(format!(
        "N3 noise level mean‖g_B − ∇F‖² by epoch (0 = initialization): {}",
        levels.iter().map(|v| format!("{v:.3e}")).collect::<Vec<_>>().join(", ")
    ));
    claims.push(
        Claim::at_least(
            "adaptive.N3.noise_varies",
            &format!(
                "The gradient noise changes during training: max/min over the {} measurements (start of every epoch \
                 and after the last) of mean‖g_B − ∇F‖², ∇F the exact mean of the mini-batch gradients over a fixed \
                 partition into {} batches of {batch} (SGD-m run). Without the measurement at initialization the ratio \
                 is {variation_trained:.2}. Before the first lr drop the level goes from {:.3e} (epoch 1) to {:.3e} \
                 (epoch {first_drop}); at the end {:.3e}. The paper states only that the noise varies and may increase \
                 (Abstract); threshold ×2, empirical: not gated",
                levels.len(),
                n / batch,
                at(1),
                at(first_drop),
                at(levels.len().saturating_sub(1)),
            ),
            variation,
            2.0,
            false,
        )
        .with_failed_runs(failed(0)),
    );
    let identity: Vec<f64> = noise.iter().map(|r| ((r.1 - r.0 - r.2) / r.1).abs()).collect();
    claims.push(
        Claim::at_most(
            "adaptive.N3.bias_variance_identity",
            "The noise log satisfies mean‖g_B‖² = ‖∇F‖² + mean‖g_B − ∇F‖² for equal batches and ∇F the mean of the \
             g_B (an identity; spec C11): largest relative defect over epochs; threshold 1e-9. Gated",
            max_of_runs(&identity),
            1e-9,
            true,
        )
        .with_failed_runs(failed(0)),
    );

    // N2: the optimizers.
    for (metric, label, log) in [
        ("test_acc", "test accuracy (%)", false),
        ("train_loss", "train loss (first 10 000 images)", true),
    ] {
        let mut fig = Figure::log_y(
            &format!(
                "N2: MLP {sizes:?} on Fashion-MNIST, batch {batch}, lr ÷10 at epochs {} and {}",
                epochs / 2,
                epochs * 3 / 4
            ),
            "epoch",
            label,
        );
        fig.log_y = log;
        fig.legend = Legend::Outside;
        let mut t = LongTable::new(&["epoch", metric]);
        for (o, name) in names.iter().enumerate() {
            let scale = if metric == "test_acc" { 100.0 } else { 1.0 };
            let pts: Vec<(f64, f64)> = results[o]
                .0
                .trace
                .series_by_iteration(metric)
                .into_iter()
                .map(|(e, v)| (e, scale * v))
                .collect();
            for p in &pts {
                t.push(name, 0, vec![p.0, p.1]);
            }
            fig.curves.push(Curve::new(name.clone(), &pts));
        }
        figures.push(save(&ctx.dir, &format!("n2_{metric}"), &fig, &t)?);
    }
    let final_acc = |o: usize| 100.0 * results[o].0.trace.last_value("test_acc").unwrap_or(f64::NAN);
    let adap: Vec<f64> = (2..names.len()).map(final_acc).collect();
    let best_adap = max_of_runs(&adap);
    let adap_failed: Vec<String> = (2..names.len()).flat_map(failed).collect();
    notes.push(format!(
        "N2 final test accuracy: {}",
        (0..names.len())
            .map(|o| format!("{} {:.2} %", names[o], final_acc(o)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    claims.push(
        Claim::at_least(
            "adaptive.N2.adapsgd_minus_sgdm_test_acc",
            "Final test accuracy of AdapSGD (best lr of the grid) minus SGD-m's, in points; \"competitive\" = at least \
             −1 (spec C13; the paper's numbers could not be read): empirical, not gated",
            best_adap - final_acc(0),
            -1.0,
            false,
        )
        .with_failed_runs(adap_failed.iter().cloned().chain(failed(0)).collect()),
    );
    claims.push(
        Claim::at_least(
            "adaptive.N2.adapsgd_minus_adam_test_acc",
            "Final test accuracy of AdapSGD (best lr of the grid) minus Adam's (lr 1e-3), in points; threshold 0: \
             empirical, not gated",
            best_adap - final_acc(1),
            0.0,
            false,
        )
        .with_failed_runs(adap_failed.into_iter().chain(failed(1)).collect()),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_expectation_of_sgd_on_a_quadratic_matches_a_hand_computation() {
        let st = &settings(40).unwrap()[0];
        // With the step of the SGD grid and T = 1 the criterion is ‖∇f(x₀)‖² = Σ λ² 9.
        let lambda = st.lambda.clone().unwrap();
        let first: f64 = lambda.iter().map(|l| l * l * 9.0).sum();
        let short = Setting {
            schedule: NoiseSchedule::constant(1, 10.0).unwrap(),
            levels: vec![10f64.sqrt()],
            problem: "quadratic",
            schedule_name: "one step",
            objective: Box::new(diagonal_quadratic(DIM, 0.1, 1.0).unwrap()),
            cap: 1.0,
            delta: st.delta,
            l: 1.0,
            lambda: Some(lambda),
        };
        assert!((short.exact_criterion(SGD, 0.5).unwrap() - first).abs() < 1e-12);
        assert!(short.exact_criterion(ADAP, 0.5).is_none());
        assert!(st.predicted_gain(2) >= st.predicted_gain(1) && st.predicted_gain(1) >= 1.0);
    }

    /// The derived bound is a theorem: the exact expectation on the quadratic never exceeds it.
    #[test]
    fn exact_expectation_respects_the_derived_bound() {
        for st in settings(400).unwrap().iter().filter(|s| s.lambda.is_some()) {
            for m in [SGD, IDEAL1, IDEAL2] {
                for k in -4..=4 {
                    let c = st.center(m) * 2f64.powi(k);
                    let (exact, bound) = (st.exact_criterion(m, c).unwrap(), st.derived_bound(m, c).unwrap());
                    assert!(exact <= bound, "{} {m} 2^{k}: {exact} > {bound}", st.schedule_name);
                }
            }
            assert!(st.derived_bound(ADAP, 1.0).is_none());
        }
    }
}
