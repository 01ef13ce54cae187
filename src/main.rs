//! The `rnnlab` binary: the command line lives in the library (`rnnlab::cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when a reader such as `head` closes the pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    rnnlab::cli::main()
}
