//! Headless Chromium for the HTML tests: render a page, and measure a screenshot.
//! `.ci/run` installs Chromium when it is missing; SROI_CHROMIUM names another binary.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

pub fn chromium() -> String {
    std::env::var("SROI_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

/// Run headless Chromium on `page` with `extra` flags and a fresh profile; stdout.
pub fn browse(page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        // Containers often give /dev/shm only 64 MB, where Chromium's renderer crashes.
        "--disable-dev-shm-usage",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.extend_from_slice(extra);
    args.push(format!("file://{}", page.display()));
    let out = Command::new(chromium())
        .args(&args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start `{}` ({e}); .ci/run installs it: apt-get install -y chromium",
                chromium()
            )
        });
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Distinct RGB colours in a PNG (up to `limit`).
pub fn colours(png_path: &Path, limit: usize) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    assert!(step >= 3, "an RGB screenshot, got {:?}", info.color_type);
    let mut seen = std::collections::BTreeSet::new();
    for pixel in buf[..info.buffer_size()].chunks(step) {
        seen.insert((pixel[0], pixel[1], pixel[2]));
        if seen.len() >= limit {
            break;
        }
    }
    seen.len()
}
