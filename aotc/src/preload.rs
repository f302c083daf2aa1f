//! `--preload NAME=FILE`: modules that provide the main module's non-WASI imports,
//! compiled into the same executable (as `wasmtime run --preload NAME=FILE` links
//! them). This file reads the flags and the providers and decides, before anything
//! is compiled, what every import of every module is bound to; `translate::preload`
//! explains how the modules are then compiled and linked.
//!
//! Rules (Wasmtime's): providers are instantiated in command-line order, before the
//! main module; a module's imports from module `NAME` bind to the exports of the
//! provider preloaded as `NAME`; a provider may import WASI (bound to its own memory)
//! and functions of providers listed before it. Only functions can be imported from
//! a provider. Every provider gets the executable's capability manifest.
//!
//! Invariant: every problem is found here, before the (slow) translation, and is one
//! line: all imports nothing provides are listed together; an export that is missing
//! or has another type names the import, the provider and both signatures.

use std::path::PathBuf;

use wasmparser::ExternalKind;

use crate::diag::{quote, Diag, Result};
use crate::input::{self, Input};
use crate::translate::module_info::{read_module, ModuleInfo};
use crate::translate::preload::{provider_export_symbol, provider_prefix, Linking, ProviderLink};
use crate::translate::{describe_signature, unknown_function_imports, unknown_imports_message};

/// One `--preload NAME=FILE` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreloadFlag {
    /// The import module name the provider satisfies.
    pub name: String,
    pub path: PathBuf,
}

/// Parses `NAME=FILE` (clap's value parser for `--preload`).
pub fn parse_flag(text: &str) -> std::result::Result<PreloadFlag, String> {
    let Some((name, path)) = text.split_once('=') else {
        return Err(format!(
            "expected NAME=FILE (the import module name, then the wasm file), got {}",
            quote(text)
        ));
    };
    if name.is_empty() || path.is_empty() {
        return Err(format!(
            "expected NAME=FILE with a non-empty NAME and FILE, got {}",
            quote(text)
        ));
    }
    if name == aotc_abi::wasi::WASI_MODULE {
        return Err(format!(
            "{} is WASI, provided by aotc's runtime; it cannot be preloaded",
            quote(name)
        ));
    }
    Ok(PreloadFlag {
        name: name.to_string(),
        path: PathBuf::from(path),
    })
}

/// A provider read from disk.
pub struct Provider {
    pub flag: PreloadFlag,
    pub input: Input,
}

impl Provider {
    /// `module `host` (host.wasm, from --preload)`.
    fn describe(&self) -> String {
        format!(
            "module {} ({}, from --preload)",
            quote(&self.flag.name),
            self.flag.path.display()
        )
    }
}

/// Reads every provider (WebAssembly text or binary); a name given twice is an error.
pub fn read_providers(flags: &[PreloadFlag]) -> Result<Vec<Provider>> {
    let mut providers: Vec<Provider> = Vec::new();
    for flag in flags {
        if providers.iter().any(|p| p.flag.name == flag.name) {
            return Err(Diag::new(format!(
                "--preload {} is given twice",
                quote(&flag.name)
            )));
        }
        let input = input::read_input(&flag.path)
            .map_err(|e| Diag::new(format!("--preload {}: {}", quote(&flag.name), e.message())))?;
        providers.push(Provider {
            flag: flag.clone(),
            input,
        });
    }
    Ok(providers)
}

/// How each module is linked: the main module's [`Linking`], then each provider's,
/// in order. Validates the providers and resolves every import (see the module
/// documentation for the errors).
pub fn plan_links(main: &Input, providers: &[Provider]) -> Result<(Linking, Vec<Linking>)> {
    let main_info = read_module(&main.wasm).map_err(|e| Diag::from_anyhow(&e))?;
    let mut infos = Vec::with_capacity(providers.len());
    for p in providers {
        let info = read_module(&p.input.wasm).map_err(|e| {
            Diag::new(format!(
                "preloaded module {}: {e:#}",
                quote(&p.flag.path.display().to_string())
            ))
        })?;
        if info.func_exports.contains_key("_start") {
            return Err(Diag::new(format!(
                "preloaded module {} is a command (it exports `_start`); only reactors and \
                 libraries can be preloaded",
                quote(&p.flag.path.display().to_string())
            )));
        }
        infos.push(info);
    }
    let mut base = main_info.func_types.len() as u32;
    let mut provider_links = Vec::with_capacity(providers.len());
    let mut links = Vec::with_capacity(providers.len());
    for (n, (p, info)) in providers.iter().zip(&infos).enumerate() {
        let prefix = provider_prefix(n);
        let bound = bind_imports(&p.input, info, &providers[..n], &infos[..n], providers)?;
        links.push(Linking {
            symbol_prefix: prefix.clone(),
            func_index_base: base,
            bound_imports: bound,
            providers: Vec::new(),
        });
        provider_links.push(ProviderLink {
            symbol_prefix: prefix,
            func_count: info.func_types.len() as u32,
        });
        base += info.func_types.len() as u32;
    }
    let main_link = Linking {
        symbol_prefix: String::new(),
        func_index_base: 0,
        bound_imports: bind_imports(main, &main_info, providers, &infos, providers)?,
        providers: provider_links,
    };
    Ok((main_link, links))
}

/// The symbols `module`'s function imports are bound to, from the providers it may
/// import from (`available`, with their `infos`); `all` are every provider, to say
/// when one is listed too late.
fn bind_imports(
    module: &Input,
    info: &ModuleInfo,
    available: &[Provider],
    infos: &[ModuleInfo],
    all: &[Provider],
) -> Result<Vec<Option<String>>> {
    let shown = quote(&module.path.display().to_string());
    let fail = |what: String| Diag::new(format!("input {shown}: {what}"));
    let mut bound = Vec::with_capacity(info.func_imports.len());
    for import in &info.func_imports {
        let Some(n) = available.iter().position(|p| p.flag.name == import.module) else {
            if let Some(later) = all.iter().find(|p| p.flag.name == import.module) {
                return Err(fail(format!(
                    "import {}.{}: {} is preloaded after this module; list it earlier",
                    import.module,
                    import.name,
                    later.describe()
                )));
            }
            bound.push(None);
            continue;
        };
        let provider = &available[n];
        let exporter = &infos[n];
        let export = exporter
            .exports
            .iter()
            .enumerate()
            .find(|(_, e)| e.name == import.name);
        let Some((k, export)) = export else {
            return Err(fail(format!(
                "import {}.{}: {} exports no function {}",
                import.module,
                import.name,
                provider.describe(),
                quote(&import.name)
            )));
        };
        if export.kind != ExternalKind::Func {
            return Err(fail(format!(
                "import {}.{}: {} exports {} as a {}, not a function",
                import.module,
                import.name,
                provider.describe(),
                quote(&import.name),
                kind_word(export.kind)
            )));
        }
        let wanted = &info.types[import.type_index as usize];
        let given = exporter.signature_of_func(export.index);
        if wanted != given {
            return Err(fail(format!(
                "import {}.{} has type {} but {} exports it with type {}",
                import.module,
                import.name,
                describe_signature(wanted),
                provider.describe(),
                describe_signature(given)
            )));
        }
        bound.push(Some(provider_export_symbol(&provider_prefix(n), k)));
    }
    let link = Linking {
        bound_imports: bound,
        ..Linking::default()
    };
    let mut unknown = Vec::new();
    for (list, kind) in [
        (&info.table_imports, "table"),
        (&info.memory_imports, "memory"),
        (&info.global_imports, "global"),
        (&info.tag_imports, "tag"),
    ] {
        for i in list {
            if available.iter().any(|p| p.flag.name == i.module) {
                return Err(fail(format!(
                    "import {}.{}: only functions can be imported from a preloaded module, \
                     not a {kind}",
                    i.module, i.name
                )));
            }
            unknown.push(format!("{}.{} ({kind})", i.module, i.name));
        }
    }
    unknown.extend(unknown_function_imports(info, &link));
    if !unknown.is_empty() {
        return Err(fail(unknown_imports_message(info, &link, &unknown)));
    }
    Ok(link.bound_imports)
}

fn kind_word(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
        _ => "non-function export",
    }
}

/// The build fact that records the providers (shown by `aotc inspect`): `preload`,
/// `NAME=FILE sha256:HEX` per provider in order, joined by `; `. None without any.
pub fn build_facts(providers: &[Provider]) -> Option<(String, String)> {
    if providers.is_empty() {
        return None;
    }
    let described: Vec<String> = providers
        .iter()
        .map(|p| {
            let file = p
                .flag
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("{}={file} sha256:{}", p.flag.name, p.input.sha256)
        })
        .collect();
    Some(("preload".to_string(), described.join("; ")))
}
