//! Code generation: the `Payload` impl (and `MessagePayload` when `id` is given).

use heck::{ToKebabCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Result};

use crate::attrs::{Container, FieldOpts, Style};
use crate::formats;

/// How the generated code names the wire crate.
fn wire_path(krate: Option<&syn::Path>) -> TokenStream {
    use proc_macro_crate::{FoundCrate, crate_name};
    if let Some(path) = krate {
        return quote!(#path);
    }
    let named = |name: String| {
        let ident = format_ident!("{name}");
        quote!(::#ident)
    };
    match crate_name("ipv8-wire") {
        Ok(FoundCrate::Itself) => quote!(::ipv8_wire),
        Ok(FoundCrate::Name(name)) => named(name),
        Err(_) => match crate_name("ipv8") {
            Ok(FoundCrate::Itself) => quote!(crate::wire),
            Ok(FoundCrate::Name(name)) => {
                let root = named(name);
                quote!(#root::wire)
            }
            Err(_) => quote!(::ipv8_wire),
        },
    }
}

/// One field: its name, type and the format marker type that encodes it.
struct Field<'a> {
    ident: &'a syn::Ident,
    ty: &'a syn::Type,
    marker: TokenStream,
}

pub fn derive(input: &DeriveInput) -> Result<TokenStream> {
    let container = Container::parse(&input.attrs)?;
    let wire = wire_path(container.krate.as_ref());
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(Payload)] needs a struct with named fields",
        ));
    };
    let named = match &data.fields {
        Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
        Fields::Unit => Vec::new(),
        Fields::Unnamed(_) => {
            return Err(syn::Error::new(
                data.fields.span(),
                "#[derive(Payload)] needs named fields: their names label decoding errors",
            ));
        }
    };
    let mut fields = Vec::with_capacity(named.len());
    for (i, field) in named.iter().enumerate() {
        let opts = FieldOpts::parse(&field.attrs)?;
        let ty = &field.ty;
        let marker = if let Some(lit) = &opts.format {
            let name = lit.value();
            if name == "raw" && i + 1 != named.len() {
                return Err(syn::Error::new(
                    lit.span(),
                    "format \"raw\" takes the rest of the packet: it must be the last field",
                ));
            }
            formats::marker(&name, &wire).map_err(|msg| syn::Error::new(lit.span(), msg))?
        } else if let Some(with) = &opts.with {
            quote!(#with)
        } else if opts.flatten.is_some() {
            quote!(#wire::format::Flatten)
        } else {
            quote_spanned!(ty.span()=> <#ty as #wire::Field>::Format)
        };
        fields.push(Field {
            ident: field.ident.as_ref().expect("named field"),
            ty,
            marker,
        });
    }
    let where_clause = bounds(input, &wire, &fields);
    let payload = payload_impl(input, &container, &wire, &fields, where_clause.as_ref());
    let message = container
        .id
        .map(|id| message_impl(input, &container, &wire, id, where_clause.as_ref()))
        .unwrap_or_default();
    Ok(quote!(#payload #message))
}

/// The where clause of a generic struct, plus `Marker: Format<FieldType>` for every field.
fn bounds(
    input: &DeriveInput,
    wire: &TokenStream,
    fields: &[Field<'_>],
) -> Option<syn::WhereClause> {
    let mut where_clause = input.generics.where_clause.clone();
    if !input.generics.params.is_empty() {
        let clause = where_clause.get_or_insert_with(|| syn::parse_quote!(where));
        for Field { ty, marker, .. } in fields {
            clause
                .predicates
                .push(syn::parse_quote!(#marker: #wire::format::Format<#ty>));
        }
    }
    where_clause
}

fn payload_impl(
    input: &DeriveInput,
    container: &Container,
    wire: &TokenStream,
    fields: &[Field<'_>],
    where_clause: Option<&syn::WhereClause>,
) -> TokenStream {
    let ident = &input.ident;
    let name = container
        .name
        .as_ref()
        .map_or_else(|| ident.unraw().to_string(), syn::LitStr::value);
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    let (w, r) = if fields.is_empty() {
        (quote!(_w), quote!(_r))
    } else {
        (quote!(w), quote!(r))
    };
    let writes = fields.iter().map(|Field { ident, ty, marker }| {
        quote_spanned!(ty.span()=>
            <#marker as #wire::format::Format<#ty>>::write(&self.#ident, w);
        )
    });
    let reads = fields.iter().map(|Field { ident, ty, marker }| {
        let label = ident.unraw().to_string();
        quote_spanned!(ty.span()=>
            #ident: <#marker as #wire::format::Format<#ty>>::read(r, #label)?,
        )
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #wire::Payload for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;

            fn encode(&self, #w: &mut #wire::Writer) {
                #(#writes)*
            }

            fn decode(#r: &mut #wire::Reader<'_>) -> ::core::result::Result<Self, #wire::DecodeError> {
                ::core::result::Result::Ok(Self { #(#reads)* })
            }
        }
    }
}

fn message_impl(
    input: &DeriveInput,
    container: &Container,
    wire: &TokenStream,
    id: u8,
    where_clause: Option<&syn::WhereClause>,
) -> TokenStream {
    let ident = &input.ident;
    let base = ident.unraw().to_string();
    let message_name = container
        .message_name
        .as_ref()
        .map_or_else(|| base.to_kebab_case(), syn::LitStr::value);
    let handler = container.handler.as_ref().map_or_else(
        || format!("on_{}", base.to_snake_case()),
        syn::LitStr::value,
    );
    let signed = container.signed.is_some_and(|(signed, _)| signed);
    let global_time = container.global_time.is_some();
    let style = match container.style {
        Some((Style::Old, _)) => quote!(Old),
        Some((Style::New, _)) => quote!(New),
        None => quote!(None),
    };
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #wire::MessagePayload for #ident #ty_generics #where_clause {
            const MSG_ID: u8 = #id;
            const MESSAGE_NAME: &'static str = #message_name;
            const HANDLER_NAME: &'static str = #handler;
            const SIGNED: bool = #signed;
            const STYLE: #wire::Style = #wire::Style::#style;
            const GLOBAL_TIME: bool = #global_time;
        }
    }
}
