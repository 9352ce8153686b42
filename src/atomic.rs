//! Writing an output file whole: a temporary file in the same folder, then a rename over
//! the target, so a reader (or a crash) never sees half a report, workbook or receipt.

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically, readable by others (mode 0644 on Unix).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".sroi-out-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    // A report is for reading: not the private 0600 a temporary file starts with.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map(|_| ()).map_err(|e| e.error)
}
