//! INGD's oracle calls on the EXP-N2 toys from other starting points: the study behind "Review: can one rule for
//! the starting points put every toy in the 1/δ regime?" in docs/nonsmooth.md.
//!
//! Every toy's start is moved along the ray from a reference minimizer x_ref (the teacher for the ReLU regression)
//! through its standard start x0_std: x0 = x_ref + s·(x0_std − x_ref). L is recomputed by each toy's own rule at the
//! new start. Each run prints its calls split into the travel and the final local search.
//!
//! ```text
//! cargo run --release -p gradus-nonsmooth --example ingd_start_rules -- scale 1,3,10 [toy]
//!     s given; INGD seeds 7, 8, 9 for δ = 1e-1, 1e-2, 1e-3
//! cargo run --release -p gradus-nonsmooth --example ingd_start_rules -- gap 2 [toy]
//!     s = the first s > 0 with f(x0) − inf f = gap; the experiment's INGD seeds (trial 0, base seed 0)
//! ```
//!
//! `toy` (0–3) restricts the runs to one toy. Runs stop after 3e7 calls ("converged false"); some take minutes.

use gradus_nonsmooth::{Ingd, IngdParams};
use gradus_oracle::problems::nonsmooth_toys::standard_toys;
use gradus_oracle::problems::{AbsAbs, ChebyshevRosenbrock, MaxAffine, ReluRegression};
use gradus_oracle::{DirectionalOracle, Method, StepOutcome, Work};
use ndarray::Array1;
use rayon::prelude::*;

const DELTAS: [f64; 3] = [1e-1, 1e-2, 1e-3];
const EPS: f64 = 1e-2;
const CAP: u64 = 30_000_000;

/// How the start is chosen.
#[derive(Clone, Copy)]
enum Rule {
    /// s itself.
    Scale(f64),
    /// The first s with f(x_ref + s u) − inf f = gap.
    Gap(f64),
}

/// The first s > 0 where f(x_ref + s·u) reaches `gap`: geometric scan, then bisection.
fn first_crossing(f: impl Fn(f64) -> f64, gap: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1e-3);
    while f(hi) < gap {
        lo = hi;
        hi *= 1.05;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < gap {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Oracle calls plus function values.
fn calls(w: &Work) -> u64 {
    w.oracle_calls + w.function_values
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: ingd_start_rules scale|gap VALUES [toy]";
    let (Some(mode), Some(values)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let values: Vec<f64> = match values.split(',').map(str::parse).collect() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{usage}: bad value list ({e})");
            std::process::exit(2);
        }
    };
    let rules: Vec<Rule> = match mode.as_str() {
        "scale" => values.iter().map(|&s| Rule::Scale(s)).collect(),
        "gap" => values.iter().map(|&g| Rule::Gap(g)).collect(),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let only: Option<usize> = args.get(3).and_then(|s| s.parse().ok());
    let base_seed = 0u64;
    let toys = standard_toys(base_seed);
    let references: Vec<Array1<f64>> = vec![
        AbsAbs::new(10).expect("valid").minimizer(),
        MaxAffine::random(10, 20, base_seed.wrapping_add(1))
            .expect("valid")
            .x_star,
        ChebyshevRosenbrock::new(2).expect("valid").minimizer(),
        ReluRegression::random(200, 10, 4, base_seed.wrapping_add(2))
            .expect("valid")
            .teacher,
    ];
    let mut jobs = Vec::new();
    for t in (0..toys.len()).filter(|t| only.is_none_or(|o| o == *t)) {
        for &rule in &rules {
            for di in 0..DELTAS.len() {
                jobs.push((t, rule, di));
            }
        }
    }
    jobs.par_iter().for_each(|&(t, rule, di)| {
        let toy = &toys[t];
        let oracle: &dyn DirectionalOracle = &*toy.oracle;
        let u = &toy.x0 - &references[t];
        let at = |s: f64| &references[t] + &(s * &u);
        let (s, seed) = match rule {
            Rule::Scale(s) => (s, 7 + di as u64),
            // The experiment's seed of INGD's first trial: base ^ (1000 t + 100 di + 10·method + trial).
            Rule::Gap(gap) => (
                first_crossing(|s| oracle.value(at(s).view()), gap),
                base_seed ^ (1000 * t + 100 * di) as u64,
            ),
        };
        let x0 = at(s);
        let f0 = oracle.value(x0.view());
        let mut g = Array1::zeros(oracle.dim());
        oracle.generalized_gradient(x0.view(), g.view_mut());
        // Each toy's L rule (docs/nonsmooth.md, "L in β"), evaluated at the new start.
        let lipschitz = match toy.name {
            "absabs" => AbsAbs::new(10).expect("valid").lipschitz_on_sublevel(f0, 1.0),
            "chebrosen" => {
                let r = x0.iter().fold(1.5f64, |m, v| m.max(v.abs()));
                ChebyshevRosenbrock::new(2).expect("valid").lipschitz_on_box(r)
            }
            "relureg" => (2.0 * g.dot(&g).sqrt()).max(1.0),
            _ => toy.lipschitz,
        };
        let delta = DELTAS[di];
        let params = IngdParams::new(delta, EPS, lipschitz).seed(seed);
        let mut ingd = Ingd::new(oracle, x0.view(), params).expect("valid parameters");
        let mut work = Work::default();
        let (mut outer, mut converged) = (0u64, false);
        while calls(&work) <= CAP {
            outer += 1;
            if ingd.step(&mut work) == StepOutcome::Converged {
                converged = true;
                break;
            }
        }
        let total = calls(&work);
        let last = ingd.last_search_calls();
        println!(
            "{} s = {s:.3}: Δ = {f0:.3}, L = {lipschitz:.2}, δ = {delta:e}: calls {total} = travel {} + final search \
             {last}, outer iterations {outer}, converged {converged}",
            toy.name,
            total - last
        );
    });
}
