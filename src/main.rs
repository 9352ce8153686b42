use std::io::IsTerminal;

fn main() {
    // Tables wrap to the terminal's width when the report goes to one.
    if std::io::stdout().is_terminal()
        && let Ok((columns, _)) = crossterm::terminal::size()
        && columns > 0
    {
        sroi::report::table::use_terminal_width(columns);
    }
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
