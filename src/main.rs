fn main() {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut io = sroi::cli::Io {
        stdout: &mut stdout,
        stderr: &mut stderr,
        style: sroi::cli::default_style(),
    };
    let code = sroi::cli::run(std::env::args_os(), &mut io);
    std::process::exit(code);
}
