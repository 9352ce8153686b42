//! Did-you-mean suggestions for misspelt keys, ids and names.

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_lower = word.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&word_lower, &candidate.to_lowercase());
        let distance = strsim::damerau_levenshtein(&word_lower, &candidate.to_lowercase());
        let close = score >= 0.8 || distance <= (word.chars().count() / 3).max(1);
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// "did you mean `x`?" or None.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// A short list of what is allowed, for help texts: "`a`, `b` or `c`".
pub fn one_of<'a, I>(items: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let items: Vec<String> = items.into_iter().map(|s| format!("`{s}`")).collect();
    match items.split_last() {
        None => "nothing".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let keys = ["deadweight", "displacement", "attribution", "drop_off"];
        assert_eq!(closest("deadwieght", keys), Some("deadweight"));
        assert_eq!(closest("dropoff", keys), Some("drop_off"));
        assert_eq!(closest("colour", keys), None);
    }

    #[test]
    fn lists_read_naturally() {
        assert_eq!(one_of(["a"]), "`a`");
        assert_eq!(one_of(["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
