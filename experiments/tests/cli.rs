//! The experiment runner's command line: bad input exits with status 2 and a message.

use std::process::Command;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gradus-experiments"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn unknown_experiment_and_bad_threads_exit_2() {
    let o = run(&["no-such-experiment"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown experiment `no-such-experiment`"));
    let o = run(&["classic", "--threads", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--threads"));
    let o = run(&["classic", "--seed", "-4"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn list_names_every_experiment() {
    let o = run(&["list"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for e in gradus_experiments::EXPERIMENTS {
        assert!(text.contains(e.name), "{text}");
    }
}
