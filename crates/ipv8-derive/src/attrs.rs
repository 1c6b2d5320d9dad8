//! Parsing of the `#[payload(...)]` container and field attributes.

use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitInt, LitStr, Path, Result};

/// Old/new base-message layout (`style = Old|New`).
#[derive(Clone, Copy)]
pub enum Style {
    Old,
    New,
}

/// Options of the container attribute.
#[derive(Default)]
pub struct Container {
    /// `id = N`.
    pub id: Option<u8>,
    /// `signed` (true) or `unsigned` (false).
    pub signed: Option<(bool, proc_macro2::Span)>,
    /// `name = ".."`.
    pub name: Option<LitStr>,
    /// `message_name = ".."`.
    pub message_name: Option<LitStr>,
    /// `handler = ".."`.
    pub handler: Option<LitStr>,
    /// `style = Old|New`.
    pub style: Option<(Style, proc_macro2::Span)>,
    /// `crate = "path"`.
    pub krate: Option<Path>,
    /// `global_time`: a `Q` global time precedes the payload in the envelope.
    pub global_time: Option<proc_macro2::Span>,
}

/// Options of a field attribute.
#[derive(Default)]
pub struct FieldOpts {
    /// `format = ".."`: a py-ipv8 format name.
    pub format: Option<LitStr>,
    /// `with = Type`: a type implementing `Format<FieldType>`.
    pub with: Option<Path>,
    /// `flatten`: the fields of a nested payload inline, without a length.
    pub flatten: Option<proc_macro2::Span>,
}

fn set<T>(slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) -> Result<()> {
    if slot.is_some() {
        return Err(meta.error("duplicate option"));
    }
    *slot = Some(value);
    Ok(())
}

/// A path given as `key = path::Type` or `key = "path::Type"`.
fn path_value(meta: &ParseNestedMeta<'_>) -> Result<Path> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        value.parse::<LitStr>()?.parse()
    } else {
        value.parse()
    }
}

impl Container {
    pub fn parse(attrs: &[Attribute]) -> Result<Self> {
        let mut c = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("payload")) {
            attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(Ident::to_string)
                    .unwrap_or_default();
                match key.as_str() {
                    "id" => {
                        let id: u8 = meta.value()?.parse::<LitInt>()?.base10_parse()?;
                        set(&mut c.id, id, &meta)
                    }
                    "signed" => set(&mut c.signed, (true, meta.path.span()), &meta),
                    "unsigned" => set(&mut c.signed, (false, meta.path.span()), &meta),
                    "name" => set(&mut c.name, meta.value()?.parse()?, &meta),
                    "message_name" => set(&mut c.message_name, meta.value()?.parse()?, &meta),
                    "handler" => set(&mut c.handler, meta.value()?.parse()?, &meta),
                    "style" => {
                        let ident: Ident = meta.value()?.parse()?;
                        let style = match ident.to_string().as_str() {
                            "Old" => Style::Old,
                            "New" => Style::New,
                            _ => {
                                return Err(syn::Error::new(
                                    ident.span(),
                                    "expected `Old` or `New`",
                                ));
                            }
                        };
                        set(&mut c.style, (style, ident.span()), &meta)
                    }
                    "crate" => set(&mut c.krate, path_value(&meta)?, &meta),
                    "global_time" => set(&mut c.global_time, meta.path.span(), &meta),
                    _ => Err(meta.error(
                        "unknown payload option; expected id, signed, unsigned, name, \
                         message_name, handler, style, global_time or crate",
                    )),
                }
            })?;
        }
        c.check()?;
        Ok(c)
    }

    /// Options that only make sense for a message need `id`, and `id` needs a signedness.
    fn check(&self) -> Result<()> {
        if self.id.is_some() {
            if self.signed.is_none() {
                return Err(syn::Error::new(
                    proc_macro2::Span::call_site(),
                    "a message payload (`id = N`) must say `signed` or `unsigned`",
                ));
            }
            return Ok(());
        }
        let needs_id = |span: proc_macro2::Span, what: &str| {
            Err(syn::Error::new(
                span,
                format!("`{what}` needs `id = N` (a message payload)"),
            ))
        };
        if let Some((_, span)) = self.signed {
            return needs_id(span, "signed`/`unsigned");
        }
        if let Some(l) = &self.message_name {
            return needs_id(l.span(), "message_name");
        }
        if let Some(l) = &self.handler {
            return needs_id(l.span(), "handler");
        }
        if let Some((_, span)) = self.style {
            return needs_id(span, "style");
        }
        if let Some(span) = self.global_time {
            return needs_id(span, "global_time");
        }
        Ok(())
    }
}

impl FieldOpts {
    pub fn parse(attrs: &[Attribute]) -> Result<Self> {
        let mut f = Self::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("payload")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("format") {
                    set(&mut f.format, meta.value()?.parse()?, &meta)
                } else if meta.path.is_ident("with") {
                    set(&mut f.with, path_value(&meta)?, &meta)
                } else if meta.path.is_ident("flatten") {
                    set(&mut f.flatten, meta.path.span(), &meta)
                } else {
                    Err(meta.error(
                        "unknown field option; expected `format = \"..\"`, `with = Type` or `flatten`",
                    ))
                }
            })?;
        }
        let given = usize::from(f.format.is_some())
            + usize::from(f.with.is_some())
            + usize::from(f.flatten.is_some());
        if given > 1 {
            return Err(syn::Error::new(
                attrs
                    .iter()
                    .find(|a| a.path().is_ident("payload"))
                    .map_or_else(proc_macro2::Span::call_site, |a| a.span()),
                "give at most one of `format`, `with` and `flatten`",
            ));
        }
        Ok(f)
    }
}
