//! `#[requires(...)]`: a test that cannot run its subject here is reported as ignored,
//! with the reason, instead of returning early and counting as a pass.
//!
//! ```text
//! #[scb_testkit::requires(tool = "moto_server")]
//! #[test]
//! fn s3_round_trip() { /* starts moto_server */ }
//! ```
//!
//! The probe runs when the test is compiled; put the attribute above `#[test]` (or
//! `#[tokio::test]`). When a prerequisite is missing the test gets
//! `#[ignore = "requires <what>: <why>"]`, which libtest prints and counts as ignored and
//! which `cargo xtask ci` lists, failing under `CI=true`. The expansion reads
//! `option_env!("PATH")` and `option_env!("SCB_SHARED_VECTORS")` so that cargo recompiles
//! (and so probes again) when either changes; after installing a tool into a folder already
//! on `PATH`, touch the test file (or `cargo clean -p <crate>`) to probe again.
//!
//! Requirements: `vectors`, `tool = "name"`, `mount_namespace`, `unprivileged`; several
//! may be given, separated by commas. See `scb-testkit`'s docs for each.

use proc_macro::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};
use std::path::PathBuf;

#[path = "probe.rs"]
#[allow(dead_code)]
mod probe;

use probe::Requirement;

/// Marks the test ignored, with the reason, when one of its requirements is not met.
#[proc_macro_attribute]
pub fn requires(attr: TokenStream, item: TokenStream) -> TokenStream {
    let requirements = match parse(attr) {
        Ok(r) => r,
        Err(message) => return compile_error(&message),
    };
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let missing: Vec<String> = requirements
        .iter()
        .filter_map(|r| {
            r.check(&manifest_dir)
                .err()
                .map(|why| format!("requires {}: {why}", r.label()))
        })
        .collect();
    // Recompile (and so probe again) when PATH or the vectors override changes: cargo
    // tracks the variables that env!/option_env! read.
    let mut out: TokenStream = "const _: [::core::option::Option<&str>; 2] = \
         [::core::option_env!(\"PATH\"), ::core::option_env!(\"SCB_SHARED_VECTORS\")];"
        .parse()
        .unwrap_or_default();
    if !missing.is_empty() {
        out.extend(attribute_ignore(&missing.join("; ")));
    }
    out.extend(item);
    out
}

/// `name`, `name = "value"`, comma separated.
fn parse(attr: TokenStream) -> Result<Vec<Requirement>, String> {
    let mut requirements = Vec::new();
    let mut tokens = attr.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let TokenTree::Ident(name) = token else {
            return Err(format!(
                "requires: expected a requirement name, found `{token}`"
            ));
        };
        let name = name.to_string();
        let mut value = None;
        if matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '=') {
            tokens.next();
            match tokens.next() {
                Some(TokenTree::Literal(lit)) => {
                    let text = lit.to_string();
                    let inner = text
                        .strip_prefix('"')
                        .and_then(|t| t.strip_suffix('"'))
                        .ok_or_else(|| format!("requires: `{name}` wants a string, not {text}"))?;
                    value = Some(inner.to_owned());
                }
                other => {
                    return Err(format!(
                        "requires: `{name} =` wants a string, found {other:?}"
                    ))
                }
            }
        }
        requirements.push(Requirement::parse(&name, value.as_deref())?);
        match tokens.next() {
            None => break,
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
            Some(other) => return Err(format!("requires: expected `,`, found `{other}`")),
        }
    }
    if requirements.is_empty() {
        return Err("requires: name at least one requirement".to_owned());
    }
    Ok(requirements)
}

/// `#[ignore = "<reason>"]`
fn attribute_ignore(reason: &str) -> TokenStream {
    let mut inner = TokenStream::new();
    inner.extend([
        TokenTree::Ident(proc_macro::Ident::new(
            "ignore",
            proc_macro::Span::call_site(),
        )),
        TokenTree::Punct(Punct::new('=', Spacing::Alone)),
        TokenTree::Literal(Literal::string(reason)),
    ]);
    let mut out = TokenStream::new();
    out.extend([
        TokenTree::Punct(Punct::new('#', Spacing::Alone)),
        TokenTree::Group(Group::new(Delimiter::Bracket, inner)),
    ]);
    out
}

fn compile_error(message: &str) -> TokenStream {
    let mut args = TokenStream::new();
    args.extend([TokenTree::Literal(Literal::string(message))]);
    let mut out: TokenStream = "::core::compile_error!".parse().unwrap_or_default();
    out.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, args))]);
    out.extend("; ".parse::<TokenStream>().unwrap_or_default());
    out
}
