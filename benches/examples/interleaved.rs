//! The `kernels` benchmarks measured round-robin instead of one after the other, for a shared, noisy machine.
//!
//! Each round runs every kernel once (`Design::{matvec, matvec_t}` and the `row_dot` pass with 1 and 2 threads,
//! and the sequential references) on the dense 100000×200 or the sparse 50000×20000 matrix of the criterion bench.
//! On Linux a round is discarded when other processes used more than 2 % of the machine's CPU time while it ran
//! (read from `/proc/stat` and `/proc/self/stat`), so a busy neighbour costs time, not accuracy. Prints the
//! median, quartiles and minimum per kernel, then the ratios the kernel targets are stated in.
//!
//! `cargo run -p gradus-benches --release --example interleaved -- [dense|sparse] [ROUNDS]`

use std::time::Instant;

use gradus_benches::{
    DENSE_SHAPE, SPARSE_DENSITY, SPARSE_SHAPE, dense_matrix, normal_vector, pool, row_dot_pass, seq_matvec,
    seq_matvec_t, sparse_matrix,
};
use gradus_oracle::Design;
use ndarray::Array1;

/// (CPU ticks the whole machine was busy, CPU ticks this process used), or `None` off Linux.
fn ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let f: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let busy = f.iter().sum::<u64>() - f.get(3)? - f.get(4)?;
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    let g: Vec<&str> = me[me.rfind(')')? + 2..].split_whitespace().collect();
    Some((busy, g.get(11)?.parse::<u64>().ok()? + g.get(12)?.parse::<u64>().ok()?))
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "dense".into());
    let rounds: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let x = if which == "sparse" {
        let (n, d) = SPARSE_SHAPE;
        Design::sparse(sparse_matrix(n, d, SPARSE_DENSITY, 2)).expect("rows")
    } else {
        let (n, d) = DENSE_SHAPE;
        Design::dense(dense_matrix(n, d, 1)).expect("finite values")
    };
    let (n, d) = (x.nrows(), x.ncols());
    let (w, v) = (Array1::from(normal_vector(d, 11)), Array1::from(normal_vector(n, 12)));
    let (ws, vs) = (w.as_slice().expect("contiguous"), v.as_slice().expect("contiguous"));
    let (mut on, mut od) = (Array1::<f64>::zeros(n), Array1::<f64>::zeros(d));
    let pools = [(1, pool(1)), (2, pool(2))];
    let mut names: Vec<String> = Vec::new();
    let mut times: Vec<Vec<f64>> = Vec::new();
    let (mut kept, mut discarded) = (0, 0);
    // two warm-up rounds, then `rounds` rounds kept
    while kept < rounds + 2 && discarded < 20 * rounds {
        let before = ticks();
        let mut round: Vec<(String, f64)> = Vec::new();
        let mut time = |name: String, f: &mut dyn FnMut()| {
            let t = Instant::now();
            f();
            round.push((name, t.elapsed().as_secs_f64() * 1e3));
        };
        for (t, p) in &pools {
            p.install(|| {
                time(format!("row_dot pass, {t} thr"), &mut || {
                    row_dot_pass(&x, ws, on.as_slice_mut().expect("contiguous"))
                });
                time(format!("matvec, {t} thr"), &mut || x.matvec(w.view(), on.view_mut()));
                time(format!("matvec_t, {t} thr"), &mut || {
                    x.matvec_t(v.view(), od.view_mut())
                });
            });
        }
        time("seq_loop matvec, 1 thr".into(), &mut || {
            seq_matvec(&x, ws, on.as_slice_mut().expect("contiguous"))
        });
        time("seq_loop matvec_t, 1 thr".into(), &mut || {
            seq_matvec_t(&x, vs, od.as_slice_mut().expect("contiguous"))
        });
        std::hint::black_box((&on, &od));
        if let (Some((b0, m0)), Some((b1, m1))) = (before, ticks()) {
            let others = (b1 - b0).saturating_sub(m1 - m0);
            if others > 1 + (b1 - b0) / 50 {
                discarded += 1;
                continue;
            }
        }
        kept += 1;
        if kept == 2 {
            names = round.iter().map(|(n, _)| n.clone()).collect();
            times = vec![Vec::new(); names.len()];
        } else if kept > 2 {
            for (k, (_, t)) in round.into_iter().enumerate() {
                times[k].push(t);
            }
        }
    }
    println!(
        "{which} {n}x{d}: kept {} rounds, discarded {discarded} with other load",
        kept.saturating_sub(2)
    );
    let mut median = std::collections::HashMap::new();
    for (name, mut t) in names.into_iter().zip(times) {
        if t.is_empty() {
            continue;
        }
        t.sort_by(f64::total_cmp);
        let q = |f: f64| t[((t.len() - 1) as f64 * f).round() as usize];
        println!(
            "{name:26} median {:8.3} ms  [q25 {:8.3}, q75 {:8.3}]  min {:8.3}",
            q(0.5),
            q(0.25),
            q(0.75),
            t[0]
        );
        median.insert(name, q(0.5));
    }
    let m = |k: &str| median.get(k).copied().unwrap_or(f64::NAN);
    println!(
        "matvec_t / matvec, 1 thread:        {:.2}",
        m("matvec_t, 1 thr") / m("matvec, 1 thr")
    );
    println!(
        "matvec_t / matvec, 2 threads:       {:.2}",
        m("matvec_t, 2 thr") / m("matvec, 2 thr")
    );
    println!(
        "matvec speed-up, 2 threads vs 1:    {:.2}",
        m("matvec, 1 thr") / m("matvec, 2 thr")
    );
    println!(
        "matvec_t speed-up, 2 threads vs 1:  {:.2}",
        m("matvec_t, 1 thr") / m("matvec_t, 2 thr")
    );
    println!(
        "row_dot speed-up, 2 threads vs 1:   {:.2}",
        m("row_dot pass, 1 thr") / m("row_dot pass, 2 thr")
    );
}
