//! The docs' command examples are run and must print exactly what the docs show: every
//! ```console block of README.md and docs/*.md, with `trycmd`. In a block, `$ sroi …` is the
//! command, `? failed` says it exits non-zero, a line `...` stands for any number of lines
//! and `[..]` for the rest of a line. Blocks marked ```console,ignore are shown but not run:
//! those that write files (`--out`), never end (`watch`) or call other programs (`curl`).
//! After a deliberate change of output, `TRYCMD=overwrite cargo test --test docs_examples`
//! rewrites the blocks in place; review the diff figure by figure before committing.

#[test]
fn every_console_example_in_the_docs_prints_what_the_docs_show() {
    trycmd::TestCases::new()
        .register_bin("sroi", trycmd::cargo::cargo_bin!("sroi"))
        .env("NO_COLOR", "1")
        .case("README.md")
        .case("docs/*.md");
}
