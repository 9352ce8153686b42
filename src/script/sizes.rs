//! `pad` and `blob(n)`: the functions that allocate a size the script names.
//!
//! Rhai checks them against its array and string size limits, which sroi turns off (they
//! re-walk whole values after every operation; the memory budget replaces them). These
//! versions, registered on the engine so they win over Rhai's, check the size against the
//! room left in the budget before allocating, so `[].pad(10000000000, 0)` is an error and
//! not an allocation the machine cannot make. They do what Rhai's do otherwise.

use rhai::{Array, Blob, Dynamic, Engine, EvalAltResult, INT, ImmutableString};

use super::budget;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// A length the script gave, as Rhai reads it: zero or less means nothing to add.
fn length(len: INT) -> usize {
    usize::try_from(len).unwrap_or(if len < 0 { 0 } else { usize::MAX })
}

/// Bytes a copy of `value` takes, roughly (what `pad` clones per item).
fn size_of_copy(value: &Dynamic) -> usize {
    let slot = std::mem::size_of::<Dynamic>();
    if let Some(array) = value.read_lock::<Array>() {
        return array
            .iter()
            .fold(slot, |sum, v| sum.saturating_add(size_of_copy(v)));
    }
    if let Some(map) = value.read_lock::<rhai::Map>() {
        return map.iter().fold(slot, |sum, (k, v)| {
            sum.saturating_add(k.len())
                .saturating_add(slot)
                .saturating_add(size_of_copy(v))
        });
    }
    if let Some(blob) = value.read_lock::<Blob>() {
        return slot.saturating_add(blob.len());
    }
    slot
}

pub fn register(engine: &mut Engine) {
    engine.register_fn(
        "pad",
        |array: &mut Array, len: INT, item: Dynamic| -> Result<()> {
            let len = length(len);
            let Some(more) = len.checked_sub(array.len()).filter(|&n| n > 0) else {
                return Ok(());
            };
            let bytes = more.saturating_mul(size_of_copy(&item));
            budget::ensure_room(bytes, &format!("padding an array to {len} items"))?;
            array.resize(len, item);
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |string: &mut ImmutableString, len: INT, character: char| -> Result<()> {
            let len = length(len);
            let have = string.chars().count();
            let Some(more) = len.checked_sub(have).filter(|&n| n > 0) else {
                return Ok(());
            };
            let bytes = more.saturating_mul(character.len_utf8());
            budget::ensure_room(bytes, &format!("padding a string to {len} characters"))?;
            let s = string.make_mut();
            s.extend(std::iter::repeat_n(character, more));
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |string: &mut ImmutableString, len: INT, padding: &str| -> Result<()> {
            let len = length(len);
            let mut have = string.chars().count();
            let step = padding.chars().count();
            let Some(more) = len.checked_sub(have).filter(|&n| n > 0 && step > 0) else {
                return Ok(());
            };
            let bytes = more.div_ceil(step).saturating_mul(padding.len());
            budget::ensure_room(bytes, &format!("padding a string to {len} characters"))?;
            let s = string.make_mut();
            while have < len {
                if have.saturating_add(step) <= len {
                    s.push_str(padding);
                    have = have.saturating_add(step);
                } else {
                    s.extend(padding.chars().take(len.saturating_sub(have)));
                    have = len;
                }
            }
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |blob: &mut Blob, len: INT, value: INT| -> Result<()> {
            let len = length(len);
            let Some(more) = len.checked_sub(blob.len()).filter(|&n| n > 0) else {
                return Ok(());
            };
            budget::ensure_room(more, &format!("padding a BLOB to {len} bytes"))?;
            blob.resize(len, byte(value));
            Ok(())
        },
    );
    engine.register_fn("blob", |len: INT| -> Result<Blob> { new_blob(len, 0) });
    engine.register_fn("blob", new_blob);
}

fn byte(value: INT) -> u8 {
    u8::try_from(value & 0xff).unwrap_or(0)
}

fn new_blob(len: INT, value: INT) -> Result<Blob> {
    let len = length(len);
    budget::ensure_room(len, &format!("a BLOB of {len} bytes"))?;
    Ok(vec![byte(value); len])
}
