//! The `wire` layer of [oadr](https://docs.rs/oadr): the typed OpenADR 2.0b messages,
//! validators and quick-xml codec generated at build time from the official XSDs in `xsd/`
//! (see `codegen/`). Use it through `oadr::wire`; it is a crate of its own so that it compiles
//! in parallel with the rest of oadr's dependencies.
#![forbid(unsafe_code)]

pub mod wire;
