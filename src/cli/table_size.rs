//! `--max-table-size SIZE`: the largest evidence table (CSV) a model may read. YAML files
//! and scripts keep their own 16 MiB cap; only data tables can be this large.

use clap::Args;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Args)]
pub struct TableSizeOption {
    /// Largest data table (CSV) a model may read: a number of bytes, or with a unit, KB,
    /// MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 500MB or
    /// 1.5GiB. YAML files and scripts stay limited to 16 MiB.
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = parse_size)]
    pub max_table_size: u64,
}

impl Default for TableSizeOption {
    fn default() -> Self {
        TableSizeOption {
            max_table_size: crate::script::table::DEFAULT_MAX_TABLE_BYTES,
        }
    }
}

/// Bytes, as a whole number or a decimal with a unit (`1048576`, `500MB`, `1.5 GiB`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let usage = || {
        format!(
            "`{text}` should be a size in bytes, or with a unit: KB, MB, GB, TB (1000s) or KiB, MiB, GiB, TiB (1024s), e.g. --max-table-size 500MB"
        )
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let unit_bytes: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(usage()),
    };
    let number: Decimal = number.parse().map_err(|_| usage())?;
    let bytes = number
        .checked_mul(Decimal::from(unit_bytes))
        .ok_or_else(usage)?;
    if bytes.fract() != Decimal::ZERO {
        return Err(format!("`{text}` is not a whole number of bytes"));
    }
    let bytes = u64::try_from(bytes).map_err(|_| usage())?;
    if bytes == 0 {
        return Err(format!(
            "`{text}`: the limit must be at least 1 byte, e.g. --max-table-size 500MB"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_bytes_and_decimal_and_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("500 mb"), Ok(500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2_147_483_648));
        assert_eq!(parse_size("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse_size("64KiB"), Ok(65_536));
        assert_eq!(parse_size("3B"), Ok(3));
        assert_eq!(parse_size("1TiB"), Ok(1 << 40));
        for bad in [
            "",
            "0",
            "-1",
            "MB",
            "1.5",
            "2 GiBs",
            "1e9",
            "1,000",
            "0.1B",
            "99999999999TB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
