use gradus_oracle::{NoMetrics, Operator, QuadraticGame, RunConfig, Silent, Stop};
use gradus_seg::{
    BatchSize, Sampling, SegParams,
    theory_steps::{Constants, monotone_gamma_max},
};
use ndarray::Array1;
fn main() {
    let args: Vec<f64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (d, n, std, frac, epochs) = (args[0] as usize, args[1] as usize, args[2], args[3], args[4] as u64);
    let game = QuadraticGame::random_bilinear_singular(d, n, 1.0, std, 3).unwrap();
    let c = Constants::of(&game);
    let gmax = monotone_gamma_max(&c).unwrap();
    let gamma = frac * gmax;
    let z0: Array1<f64> = (0..2 * d).map(|i| ((i * 7919) % 13) as f64 / 6.0 - 1.0).collect();
    let mut f = Array1::zeros(2 * d);
    game.apply(z0.view(), f.view_mut());
    let f0 = f.dot(&f);
    println!(
        "gmax {gmax:.3e} gamma {gamma:.3e} F0 {f0:.3e} sigma*2 {:.3e}",
        game.noise_at_solution()
    );
    for (name, p) in [
        (
            "RR",
            SegParams::constant(Sampling::RandomReshuffling, 4.0 * gamma, gamma),
        ),
        (
            "SEG",
            SegParams::constant(Sampling::WithReplacement, 4.0 * gamma, gamma),
        ),
        (
            "SEG-grow",
            SegParams::constant(Sampling::WithReplacement, 4.0 * gamma, gamma)
                .batch(BatchSize::Polynomial { b0: 1.0, power: 1.1 }),
        ),
    ] {
        let mut best = f64::INFINITY;
        let mut pts = Vec::new();
        let mut fbuf = Array1::zeros(2 * d);
        let t = std::time::Instant::now();
        let mut st = p.seed(1).state(&game, z0.view()).unwrap().on_epoch(|v| {
            game.apply(v.iterate, fbuf.view_mut());
            let r = fbuf.dot(&fbuf) / f0;
            best = best.min(r);
            let k = v.epoch;
            if k.is_power_of_two() || k == epochs {
                pts.push((k, best, r));
            }
        });
        st.solve(&RunConfig::new(Stop::iterations(epochs), n), &NoMetrics, &mut Silent)
            .unwrap();
        drop(st);
        println!("{name} {:.2}s", t.elapsed().as_secs_f64());
        for (k, b, r) in &pts {
            println!("  {k} best {b:.3e} last {r:.3e}");
        }
    }
}
