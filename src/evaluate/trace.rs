//! Where each figure came from, for `explain`: a literal, a default, `--set`, an
//! expression (with the script functions it calls) or a proxy.

use crate::model::Model;
use crate::model::ProxyRef;
use crate::model::number::{NumberField, NumberSource};
use crate::script::ScriptHost;

/// Where a figure came from, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Written as a number at `file:line:column`.
    Literal { at: String },
    /// Not written; the format's default.
    Default,
    /// Given with `--set`.
    Override,
    /// An expression, with the script functions it calls (`name` at `file:line:column`).
    Expression {
        text: String,
        at: String,
        calls: Vec<(String, String)>,
    },
    /// A proxy in the active set.
    Proxy { id: String, set: String, at: String },
    /// A proxy written inline in the model.
    InlineProxy { at: String },
}

/// The origin of a number field as written (an override is marked by the caller).
pub fn of_field(model: &Model, host: &ScriptHost, field: &NumberField) -> Origin {
    let at = field
        .span
        .map_or_else(String::new, |s| model.file.locate(s));
    match &field.source {
        NumberSource::Literal(_) => Origin::Literal { at },
        NumberSource::Default(_) => Origin::Default,
        NumberSource::Override(_) => Origin::Override,
        NumberSource::Expression(text) => Origin::Expression {
            text: text.clone(),
            at,
            calls: calls(host, text),
        },
    }
}

/// The origin of an outcome's proxy value as written.
pub fn of_proxy(
    model: &Model,
    host: &ScriptHost,
    proxy: &ProxyRef,
    set_origin: Option<Origin>,
) -> Origin {
    match proxy {
        ProxyRef::Id(_) => set_origin.unwrap_or(Origin::Default),
        ProxyRef::Inline(inline) => match of_field(model, host, &inline.value) {
            Origin::Literal { .. } => Origin::InlineProxy {
                at: model.file.locate(inline.span),
            },
            other => other,
        },
    }
}

/// The script functions an expression calls, with where each is defined.
fn calls(host: &ScriptHost, text: &str) -> Vec<(String, String)> {
    host.functions()
        .iter()
        .filter(|f| calls_function(text, &f.name))
        .map(|f| (f.name.clone(), f.at.clone()))
        .collect()
}

/// Whether `text` calls `name(` as a whole name (`lonely(` is not in `less_lonely(`).
fn calls_function(text: &str, name: &str) -> bool {
    let pattern = format!("{name}(");
    text.match_indices(&pattern).any(|(i, _)| {
        text.get(..i).is_none_or(|before| {
            !before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_call_is_matched_by_its_whole_name() {
        assert!(super::calls_function("lonely(x) + 1", "lonely"));
        assert!(!super::calls_function("less_lonely(x)", "lonely"));
        assert!(!super::calls_function("w::lonely(x)", "lonely"));
    }
}
