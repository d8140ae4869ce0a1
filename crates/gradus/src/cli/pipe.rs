//! Output into a closed pipe (`gradus inspect --data F | head -5`) ends the process quietly, as `cat` or `ls`
//! do, instead of panicking in `println!` with "failed printing to stdout: Broken pipe".
//!
//! Rust programs start with `SIGPIPE` ignored, so a write to a pipe whose reader has gone returns `EPIPE` and
//! `println!` panics. Restoring the default action once at start-up makes every subcommand, and every `print!`
//! in it, behave like a Unix filter: the kernel ends the process on that write (the shell reports status 141 =
//! 128 + SIGPIPE, which pipelines ignore). Nothing is left half-done that the user could still read: the only
//! reader of the output has gone.

/// Restores the default action of `SIGPIPE` (terminate) on Unix; does nothing elsewhere.
pub fn end_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: `signal` with `SIG_DFL` only changes this process's disposition of SIGPIPE; it is called once at
    // start-up, before any thread is spawned, and installs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
