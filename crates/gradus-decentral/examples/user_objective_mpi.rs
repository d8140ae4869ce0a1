//! The user objective of `user_objective.rs` (a Huber node defined outside the crate) under EXTRA and IDEAL on MPI
//! processes: each process builds only its block of the 8 nodes and runs on [`MpiCommunicator`]; process 0 prints
//! x̄ and its bits, which equal the simulator's (`cargo run --example user_objective`).
//!
//! ```text
//! cargo build --release -p gradus-decentral --features mpi --example user_objective_mpi
//! mpirun -n 4 target/release/examples/user_objective_mpi
//! ```
//! The reference optimum (for the stopping rule rel_dist ≤ 1e-12) is computed by every process from the whole
//! problem, which each can generate from the seed: setup knowledge, as in the simulator run.

#[path = "user_objective.rs"]
mod user_objective;

use gradus_decentral::mpi_backend::{MpiCommunicator, MpiWorld};
use gradus_decentral::{Communicator, DecentralError};
use user_objective::{huber_problem, ring_network, run};

fn main() -> Result<(), DecentralError> {
    let world = MpiWorld::init().expect("MPI initializes once");
    let w = ring_network()?.gossip_matrix().clone();
    let comm = MpiCommunicator::new(&world, w).expect("at most 8 processes");
    let reference = huber_problem(0..8, 42)?.central_reference(1e-12)?;
    let x_star = reference.x_star.clone();
    let problem = huber_problem(comm.local_nodes(), 42)?.with_reference(reference)?;
    for algorithm in ["extra", "ideal"] {
        let (report, mean) = run(algorithm, &problem, &comm, 100_000, 1e-12)?;
        if world.rank() == 0 {
            let error = (&mean - &x_star).iter().map(|v| v * v).sum::<f64>().sqrt();
            let bits: Vec<String> = mean.iter().map(|v| format!("{:016x}", v.to_bits())).collect();
            println!(
                "{algorithm}: {:?} after {} iterations, {} rounds, {} all-reduces, ‖x̄ − x*‖ = {error:.2e}, {} processes",
                report.status,
                report.iterations,
                report.work.communication_rounds,
                report.work.all_reduces,
                world.size()
            );
            println!("  x̄ = {mean}\n  bits {}", bits.join(" "));
        }
    }
    Ok(())
}
